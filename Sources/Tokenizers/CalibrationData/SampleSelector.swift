import Checkpoint
/// Chooses the calibration samples among the candidates a file offers, in one pass, holding only
/// the chosen ones.
///
/// Shuffled, it is reservoir sampling (Algorithm R) driven by `RandomSource(seed:)`, and the kept
/// samples are then put in random order (Fisher–Yates) with the same generator: every set of
/// `sampleCount` candidates is equally likely, as with shuffling all candidates and taking the
/// first `sampleCount`. The same file, seed and count give the same samples; the permutation is
/// not the one Hugging Face datasets' `shuffle(seed:)` or PyTorch's `RandomSampler` draws.
/// Not shuffled, it keeps the first `sampleCount` candidates, in file order.
struct SampleSelector {
    let capacity: Int
    private var samples: [[Int]] = []
    /// Candidates offered so far.
    private(set) var offered = 0
    /// nil when not shuffling.
    private var random: RandomSource?

    init(_ options: CalibrationDataOptions) {
        capacity = options.sampleCount
        random = options.shuffle ? RandomSource(seed: options.seed) : nil
        samples.reserveCapacity(min(capacity, 1 << 16))
    }

    /// Whether no later candidate can be kept, so that the reading can stop.
    var isComplete: Bool { random == nil && samples.count == capacity }

    /// Offers the next candidate; `make` gives its tokens and is called only when it is kept.
    /// An empty sample is not kept.
    mutating func offer<Failure: Error>(_ make: () throws(Failure) -> [Int]) throws(Failure) {
        offered += 1
        if samples.count < capacity {
            let sample = try make()
            if !sample.isEmpty { samples.append(sample) }
        } else if random != nil {
            let slot = random!.uniform(below: offered)
            guard slot < capacity else { return }
            let sample = try make()
            if !sample.isEmpty { samples[slot] = sample }
        }
    }

    /// The kept samples: in random order when shuffling, else in file order.
    mutating func finish() -> [[Int]] {
        if random != nil {
            for i in stride(from: samples.count - 1, to: 0, by: -1) {
                samples.swapAt(i, random!.uniform(below: i + 1))
            }
        }
        return samples
    }
}
