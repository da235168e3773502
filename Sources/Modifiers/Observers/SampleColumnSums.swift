/// One site's per-channel sums of its inputs (squares for imatrix observers, magnitudes for AWQ's
/// means), each sample's column sums added in float32 as llm-compressor adds them, and the tokens
/// seen. Over several ranks each sample's sums are kept (`keepsSamples`) and exchanged, so that
/// every rank adds them in sample order (rank order), as one process does.
struct SampleColumnSums {
    /// The sums, nil before any sample.
    private(set) var sums: [Float]?
    private(set) var tokens = 0
    private var samples: [(sums: [Float], tokens: Int)] = []
    private let keepsSamples: Bool

    init(keepsSamples: Bool) { self.keepsSamples = keepsSamples }

    /// Adds one sample's column sums over its `tokens` rows.
    mutating func add(_ sample: [Float], tokens count: Int) {
        var total = sums ?? [Float](repeating: 0, count: sample.count)
        for c in 0..<Swift.min(total.count, sample.count) { total[c] += sample[c] }
        sums = total
        tokens += count
        if keepsSamples { samples.append((sample, count)) }
    }

    /// Appends this rank's samples' tokens and sums to `payload`.
    func append(to payload: inout StatisticsPayload) {
        payload.append(samples.count)
        for sample in samples {
            payload.append(sample.tokens)
            payload.append(sample.sums)
        }
    }

    /// Replaces the sums and tokens by every rank's samples' (`parts`, in rank order, each read
    /// where its previous site's left it), added in that order.
    mutating func replace(from parts: inout [StatisticsReader]) throws(ModifierError) {
        var total: SampleColumnSums = SampleColumnSums(keepsSamples: false)
        for r in parts.indices {
            for _ in 0..<Swift.max(try parts[r].int(), 0) {
                let count = try parts[r].int()
                let sample = try parts[r].floats()
                if let width = total.sums?.count, width != sample.count {
                    throw .mpi("a rank sent \(sample.count) input channels' sums where \(width) were expected")
                }
                total.add(sample, tokens: count)
            }
        }
        sums = total.sums
        tokens = total.tokens
    }
}
