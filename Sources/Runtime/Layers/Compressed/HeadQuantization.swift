/// Static quantization of one kind of attention state (queries, keys or values) head by head,
/// emulated in f32 as compressed-tensors' fake quantization computes it: each value of head `h`
/// becomes `q(x / s_h) · s_h`, with one stored scale for every head (`strategy: tensor`, `[1]`)
/// or one per head (`strategy: attn_head`, `[heads, 1, 1]`).
struct HeadQuantization: Sendable {
    /// One rounding per head (the same one repeated for a per-tensor scale).
    let heads: [ActivationQuantization]
    let headDim: Int

    /// Rounds to `grid` with `scales`, one per tensor or one per head of `heads`.
    /// - Precondition: `scales` has 1 or `heads` elements.
    init(grid: ActivationQuantization.Grid, scales: [Float], heads: Int, headDim: Int) {
        self.heads = (0..<heads).map { ActivationQuantization(grid: grid, scale: .fixed(scales.count == 1 ? scales[0] : scales[$0])) }
        self.headDim = headDim
    }

    /// Rounds, in place, the states of `rows` rows, each row's heads side by side from `states`,
    /// consecutive rows `stride` floats apart.
    func apply(_ states: UnsafeMutablePointer<Float>, rows: Int, stride: Int) {
        for r in 0..<rows {
            for h in heads.indices { heads[h].apply(states + r * stride + h * headDim, rows: 1, columns: headDim) }
        }
    }
}
