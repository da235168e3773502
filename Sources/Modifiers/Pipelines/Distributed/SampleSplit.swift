/// The calibration samples of one rank: a contiguous part of them in their calibration order,
/// the parts balanced by tokens, each holding at least one sample, so that the ranks' statistics
/// taken in rank order are the samples' in calibration order.
enum SampleSplit {
    /// The bounds of each rank's part of samples of lengths `lengths`, for `ranks` ranks: rank r
    /// takes `bounds[r]..<bounds[r + 1]`.
    /// - Throws: `mpi` when there are fewer samples than ranks.
    static func bounds(lengths: [Int], ranks: Int) throws(ModifierError) -> [Int] {
        let n = lengths.count
        guard n >= ranks else {
            throw .mpi("\(n) calibration sample\(n == 1 ? "" : "s") cannot be split over \(ranks) MPI ranks: use as many samples as ranks at least")
        }
        let total = lengths.reduce(0, +)
        var bounds = [0]
        var index = 0, tokens = 0
        for r in 1..<ranks {
            // The first sample at or past r/ranks of the tokens, leaving one sample for each later rank.
            while index < n, tokens * ranks < total * r {
                tokens += lengths[index]
                index += 1
            }
            bounds.append(Swift.max(bounds[r - 1] + 1, Swift.min(index, n - (ranks - r))))
        }
        bounds.append(n)
        return bounds
    }

    /// Rank `rank`'s part of `samples` among `ranks` ranks.
    static func part(_ samples: [[Int]], rank: Int, ranks: Int) throws(ModifierError) -> ArraySlice<[Int]> {
        let bounds = try bounds(lengths: samples.map(\.count), ranks: ranks)
        return samples[bounds[rank]..<bounds[rank + 1]]
    }
}
