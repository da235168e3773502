/// Chooses calibration samples among the candidates a file offers in file order, making
/// (tokenizing) only the chosen ones: the first ones in file order, or the candidates at given
/// positions, each put in its place in the result. A selector that chooses none counts the candidates.
struct SampleSelector {
    private enum Choice {
        /// The first `count` candidates.
        case first(Int)
        /// The place in the result of each chosen candidate, by its position among the candidates.
        case positions([Int: Int])
    }

    private let choice: Choice
    private var samples: [[Int]?]
    /// Chosen candidates not offered yet.
    private var missing: Int
    /// Candidates offered so far.
    private(set) var offered = 0

    /// Chooses the candidates at `positions`, in that order.
    init(choosing positions: some Collection<Int>) {
        choice = .positions(Dictionary(uniqueKeysWithValues: positions.enumerated().map { ($0.element, $0.offset) }))
        samples = Array(repeating: nil, count: positions.count)
        missing = positions.count
    }

    /// Chooses the first `count` candidates.
    init(first count: Int) {
        choice = .first(count)
        samples = []
        missing = count
    }

    /// A selector that chooses nothing and reads every candidate, to count them.
    static func counting() -> SampleSelector {
        var selector = SampleSelector(first: 0)
        selector.missing = .max
        return selector
    }

    /// The first `sampleCount` candidates in file order (`options.shuffle` false), or the first
    /// `sampleCount` of the `candidateCount` in the order Hugging Face datasets'
    /// `Dataset.shuffle(seed: options.seed)` puts them: NumPy's `default_rng(seed).permutation(candidateCount)`.
    init(_ options: CalibrationDataOptions, candidateCount: Int) {
        guard options.shuffle else {
            self.init(first: options.sampleCount)
            return
        }
        var generator = PCG64(seed: options.seed)
        self.init(choosing: generator.permutation(candidateCount).prefix(options.sampleCount))
    }

    /// Whether every chosen candidate has been offered, so that the reading can stop.
    var isComplete: Bool { missing == 0 }

    /// Offers the next candidate; `make` gives its tokens and is called only when it is chosen.
    mutating func offer<Failure: Error>(_ make: () throws(Failure) -> [Int]) throws(Failure) {
        defer { offered += 1 }
        switch choice {
        case let .first(count):
            guard offered < count else { return }
            samples.append(try make())
        case let .positions(places):
            guard let place = places[offered] else { return }
            samples[place] = try make()
        }
        missing -= 1
    }

    /// The chosen samples, in the order chosen (those beyond the last candidate left out).
    func finish() -> [[Int]] { samples.compactMap { $0 } }
}
