import Foundation

/// A sparse mixture-of-experts MLP (Mixtral, Qwen2-MoE, Qwen3-MoE, DeepSeek-V3, GLM-4-MoE): a
/// router scores every expert per token, the softmax of those scores (or DeepSeek's
/// ``GroupLimitedRouting``) picks the `expertsPerToken` best, and the token's output is the
/// weighted sum of those experts' gated MLPs, plus an always-on shared expert when the
/// architecture has one, scaled by a sigmoid gate when it has that too (Qwen2-MoE).
///
/// Tokens are grouped by expert, so each chosen expert runs one GEMM over its tokens. Under a
/// calibration ``LayerTap`` that calibrates every expert, each expert runs on every token instead,
/// and only its routed tokens' results are summed into the output.
struct MixtureOfExperts: Sendable {
    /// One gated MLP: `down(act(gate(x)) · up(x))`.
    struct Expert: Sendable {
        /// Gate and up projections side by side: `[gate | up]` per row.
        let gateUp: any Linear
        let down: any Linear
        /// The width of the gate (and up) projection.
        var inner: Int { down.inputFeatures }
    }

    /// `hiddenSize → expertCount` router logits.
    let router: any Linear
    let experts: [Expert]
    let expertsPerToken: Int
    /// Whether the chosen weights are rescaled to sum to 1.
    let normalizeTopK: Bool
    /// DeepSeek's routing; nil for the softmax.
    let groupLimited: GroupLimitedRouting?
    /// The always-on expert and its `hiddenSize → 1` gate (Qwen2-MoE; nil: unscaled, DeepSeek).
    let shared: (expert: Expert, gate: (any Linear)?)?
    let activation: Activation

    var hiddenSize: Int { router.inputFeatures }

    /// Writes the MLP output of `rows` input rows into `output` (`rows × hiddenSize`, overwritten;
    /// it may be the input), showing `tap` the experts' inputs and gated activations.
    func apply(_ input: UnsafePointer<Float>, rows: Int, into destination: UnsafeMutablePointer<Float>, tap: (any LayerTap)? = nil) {
        let hidden = hiddenSize
        let count = experts.count
        let k = Swift.min(expertsPerToken, count)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: rows * count)
        defer { logits.deallocate() }
        router.apply(input, rows: rows, into: logits)

        // Per expert: the rows routed to it and their weights.
        var assigned = [[(row: Int, weight: Float)]](repeating: [], count: count)
        for r in 0..<rows {
            let row = logits + r * count
            let chosen = groupLimited?.route(row, count: count, k: k) ?? Self.route(row, count: count, k: k, normalize: normalizeTopK)
            for (expert, weight) in chosen {
                assigned[expert].append((r, weight))
            }
        }

        let output = UnsafeMutablePointer<Float>.allocate(capacity: rows * hidden)
        output.initialize(repeating: 0, count: rows * hidden)
        let widest = experts.map(\.inner).max() ?? 0
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: rows * hidden)
        let result = UnsafeMutablePointer<Float>.allocate(capacity: rows * hidden)
        let gateUp = UnsafeMutablePointer<Float>.allocate(capacity: rows * 2 * Swift.max(widest, shared?.expert.inner ?? 0))
        let activated = UnsafeMutablePointer<Float>.allocate(capacity: rows * Swift.max(widest, shared?.expert.inner ?? 0))
        defer { for buffer in [output, gathered, result, gateUp, activated] { buffer.deallocate() } }

        let everyRow = tap?.calibratesEveryExpert ?? false
        for (e, tokens) in assigned.enumerated() where !tokens.isEmpty || tap != nil {
            let inner = experts[e].inner
            if !everyRow {
                for (i, token) in tokens.enumerated() {
                    (gathered + i * hidden).update(from: input + token.row * hidden, count: hidden)
                }
                tap?.observe(.expertInput(e), gathered, rows: tokens.count, width: hidden, stride: hidden)
                if tokens.isEmpty {
                    tap?.observe(.expertInner(e), activated, rows: 0, width: inner, stride: inner)
                    continue
                }
            }
            let count = everyRow ? rows : tokens.count
            run(experts[e], input: everyRow ? input : UnsafePointer(gathered), rows: count, gateUp: gateUp, activated: activated, into: result) {
                tap?.observe(.expertInner(e), $0, rows: count, width: inner, stride: inner)
            }
            for (i, token) in tokens.enumerated() {
                let source = result + (everyRow ? token.row : i) * hidden
                let target = output + token.row * hidden
                for j in 0..<hidden { target[j] += token.weight * source[j] }
            }
        }

        if let shared {
            let inner = shared.expert.inner
            run(shared.expert, input: input, rows: rows, gateUp: gateUp, activated: activated, into: result) {
                tap?.observe(.sharedExpertInner, $0, rows: rows, width: inner, stride: inner)
            }
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: rows)
            defer { scores.deallocate() }
            shared.gate?.apply(input, rows: rows, into: scores)
            for r in 0..<rows {
                let scale = shared.gate == nil ? 1 : 1 / (1 + Foundation.exp(-scores[r]))
                let source = result + r * hidden
                let target = output + r * hidden
                for j in 0..<hidden { target[j] += scale * source[j] }
            }
        }
        destination.update(from: output, count: rows * hidden)
    }

    /// One expert's gated MLP over `rows` contiguous rows; `observeInner` sees the gated
    /// activation (`rows × inner`) before the down projection reads it.
    private func run(
        _ expert: Expert, input: UnsafePointer<Float>, rows: Int, gateUp: UnsafeMutablePointer<Float>,
        activated: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
        observeInner: (UnsafePointer<Float>) -> Void = { _ in }
    ) {
        let inner = expert.inner
        expert.gateUp.apply(input, rows: rows, into: gateUp)
        for r in 0..<rows {
            let row = gateUp + r * 2 * inner
            activation.gatedProduct(gate: row, up: row + inner, out: activated + r * inner, count: inner)
        }
        observeInner(activated)
        expert.down.apply(activated, rows: rows, into: output)
    }

    /// The `k` experts with the largest softmax probability among `count` router logits, best
    /// first (the lower index wins a tie), with their probabilities, rescaled to sum to 1 when
    /// `normalize` is set.
    static func route(_ logits: UnsafePointer<Float>, count: Int, k: Int, normalize: Bool) -> [(expert: Int, weight: Float)] {
        var largest = -Float.infinity
        for e in 0..<count { largest = Swift.max(largest, logits[e]) }
        var probabilities = [Float](repeating: 0, count: count)
        var total: Float = 0
        for e in 0..<count {
            probabilities[e] = Foundation.exp(logits[e] - largest)
            total += probabilities[e]
        }
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
        var chosen = order.prefix(k).map { (expert: $0, weight: probabilities[$0] / total) }
        if normalize {
            let sum = chosen.reduce(0) { $0 + $1.weight }
            for i in chosen.indices { chosen[i].weight /= sum }
        }
        return chosen
    }
}
