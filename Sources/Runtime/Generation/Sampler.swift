import Foundation

/// Picks the next token from a row of logits: the most likely one (greedy), or a draw from the
/// temperature-scaled distribution restricted to its top-p nucleus.
public struct Sampler: Sendable {
    /// 0 for greedy decoding.
    public let temperature: Float
    /// The smallest set of most likely tokens whose probabilities reach this sum is sampled from.
    public let topP: Float
    private var random: RandomSource

    /// - Parameters:
    ///   - temperature: 0 (default) for greedy; otherwise must be positive and finite.
    ///   - topP: in (0, 1]; 1 keeps the whole vocabulary.
    ///   - seed: the random seed for sampling.
    public init(temperature: Float = 0, topP: Float = 1, seed: UInt64 = 0) throws(RuntimeError) {
        guard temperature >= 0, temperature.isFinite else { throw .invalidArgument("temperature must be a finite number ≥ 0, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw .invalidArgument("top-p must be in (0, 1], got \(topP)") }
        self.temperature = temperature
        self.topP = topP
        random = RandomSource(seed: seed)
    }

    /// The next token for `logits`; ties in greedy mode go to the lowest id.
    ///
    /// - Precondition: `logits` is not empty.
    public mutating func next<C: RandomAccessCollection>(_ logits: C) -> Int where C.Element == Float, C.Index == Int {
        let row = Array(logits)
        if temperature == 0 {
            var best = 0
            for i in 1..<row.count where row[i] > row[best] { best = i }
            return best
        }
        let maximum = row.max()!
        let inverse = Double(1 / temperature)
        var weights = row.map { Foundation.exp((Double($0) - Double(maximum)) * inverse) }
        let total = weights.reduce(0, +)
        for i in weights.indices { weights[i] /= total }
        var order = Array(weights.indices)
        if topP < 1 {
            order.sort { weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1) }
            var kept = 0
            var mass = 0.0
            while kept < order.count, mass < Double(topP) {
                mass += weights[order[kept]]
                kept += 1
            }
            order.removeSubrange(kept...)
        }
        let keptMass = order.reduce(0) { $0 + weights[$1] }
        var draw = random.unit() * keptMass
        for i in order {
            draw -= weights[i]
            if draw < 0 { return i }
        }
        return order[order.count - 1]
    }
}
