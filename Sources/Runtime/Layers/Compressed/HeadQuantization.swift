/// Static quantization of one kind of attention state (queries, keys or values) head by head,
/// emulated in f32 as compressed-tensors' fake quantization computes it: each value of head `h`
/// becomes `q(x / s_h) · s_h` (asymmetric int8: `(q(x / s_h + z_h) - z_h) · s_h`), with one stored
/// scale (and zero point) for every head (`strategy: tensor`, `[1]`) or one per head
/// (`strategy: attn_head`, `[heads, 1, 1]`).
struct HeadQuantization: Sendable {
    /// One rounding per head (the same one repeated for a per-tensor scale).
    let heads: [ActivationQuantization]
    let headDim: Int

    /// Rounds to `grid` with `scales`, one per tensor or one per head of `heads`, and int8's
    /// `zeroPoints` (none: symmetric), added before rounding as compressed-tensors adds them.
    /// - Precondition: `scales` has 1 or `heads` elements, `zeroPoints` 0, 1 or `heads`.
    init(grid: ActivationQuantization.Grid, scales: [Float], zeroPoints: [Float] = [], heads: Int, headDim: Int) {
        func perHead(_ values: [Float], _ h: Int) -> Float { values.isEmpty ? 0 : values.count == 1 ? values[0] : values[h] }
        self.heads = (0..<heads).map {
            ActivationQuantization(grid: grid, scale: .fixed(perHead(scales, $0)), zeroPoint: perHead(zeroPoints, $0), zeroPointBeforeRounding: true)
        }
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
