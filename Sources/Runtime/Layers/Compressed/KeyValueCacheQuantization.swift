/// The key/value cache of a checkpoint with a `kv_cache_scheme` (or attention quantization), emulated
/// in f32: every key and value is rounded to the scheme's grid with its layer's `k_scale` or
/// `v_scale`, `q(x / scale) · scale`. FP8 is E4M3 saturating at ±448, as vLLM keeps the cache;
/// int8 rounds half to even and clamps to -128...127, after adding the `k_zero_point` or
/// `v_zero_point` of an asymmetric cache, as compressed-tensors' KV cache hook fake-quantizes the
/// states under transformers. Keys are rounded after the rotary embedding, as
/// the cache holds them.
struct KeyValueCacheQuantization: Sendable {
    /// One rounding per key/value head.
    let keys: HeadQuantization
    let values: HeadQuantization

    /// Rounds to `grid` (FP8 or int8) with scales `keyScales` and `valueScales`, and int8's zero
    /// points `keyZeroPoints` and `valueZeroPoints` (none: symmetric): one per tensor, or one per
    /// key/value head of `heads`.
    /// - Precondition: each scale list has 1 or `heads` elements, each zero point list 0, 1 or `heads`.
    init(grid: ActivationQuantization.Grid, keyScales: [Float], valueScales: [Float],
         keyZeroPoints: [Float] = [], valueZeroPoints: [Float] = [], heads: Int, headDim: Int) {
        keys = HeadQuantization(grid: grid, scales: keyScales, zeroPoints: keyZeroPoints, heads: heads, headDim: headDim)
        values = HeadQuantization(grid: grid, scales: valueScales, zeroPoints: valueZeroPoints, heads: heads, headDim: headDim)
    }

    /// Rounds, in place, the keys and values of `rows` rows laid out `[q | k | v]` every `stride`
    /// floats, the keys starting at `keyOffset` and the values right after them.
    func apply(_ queryKeyValue: UnsafeMutablePointer<Float>, rows: Int, stride: Int, keyOffset: Int) {
        keys.apply(queryKeyValue + keyOffset, rows: rows, stride: stride)
        values.apply(queryKeyValue + keyOffset + keys.heads.count * keys.headDim, rows: rows, stride: stride)
    }
}
