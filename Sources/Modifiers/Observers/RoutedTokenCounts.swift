import Architectures
import Runtime

/// The tokens a block's router sent to each expert during a calibration pass on routed tokens
/// (`moe_calibrate_all_experts` false), and the experts that got too few of them: fewer than 1/E
/// of the block's tokens for E experts, the threshold llm-compressor 0.14 documents for its
/// `min_tokens_per_module`.
final class RoutedTokenCounts {
    private var routed: [Int]
    private var tokens = 0
    private var sparse = false

    /// Counters for a mixture of `experts` experts, registered on `tap`.
    init(experts: Int, tap: SiteTap) {
        routed = Array(repeating: 0, count: experts)
        tap.add(.feedForwardInput) { _, rows, _, _ in self.tokens += rows }
        for e in 0..<experts {
            tap.add(.expertInput(e)) { _, rows, _, _ in
                self.routed[e] += rows
                self.sparse = true
            }
        }
    }

    /// Makes the counts every rank's sums (integers: exact in any order).
    func reduce(over reducer: any StatisticsReducer) throws(ModifierError) {
        guard reducer.size > 1 else { return }
        var payload = StatisticsPayload()
        payload.append(tokens)
        payload.append(sparse ? 1 : 0)
        for count in routed { payload.append(count) }
        var parts = try reducer.allGather(payload)
        tokens = 0
        sparse = false
        routed = routed.map { _ in 0 }
        for r in parts.indices {
            tokens += try parts[r].int()
            sparse = try parts[r].int() != 0 || sparse
            for e in routed.indices { routed[e] += try parts[r].int() }
        }
    }

    /// One line per expert of block `block` that got too few tokens, naming it as `layout` does.
    func warnings(block: Int, layout: DecoderLayout) -> [String] {
        guard sparse, let mixture = layout.mixture else { return [] }
        let prefix = layout.prefix(ofBlock: block) + "\(mixture.module).\(mixture.experts)."
        return routed.indices.compactMap { e in
            let count = routed[e]
            if count == 0 {
                return "no calibration token (of \(tokens)) was routed to \(prefix)\(e): its weights are quantized from themselves alone (round to nearest)"
            }
            guard count * routed.count < tokens else { return nil }
            return "only \(count) of \(tokens) calibration tokens were routed to \(prefix)\(e) (under 1/\(routed.count) of them): its statistics come from few tokens"
        }
    }
}
