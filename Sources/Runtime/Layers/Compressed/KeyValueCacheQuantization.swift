/// The FP8 key/value cache of a checkpoint with a `kv_cache_scheme`, emulated in f32 as vLLM keeps
/// it: every key and value is stored as E4M3 of `x / scale` (saturating at ±448), with its layer's
/// `k_scale` or `v_scale`, and read back as `code · scale`. Keys are rounded after the rotary
/// embedding, as the cache holds them.
struct KeyValueCacheQuantization: Sendable {
    /// One rounding per key/value head.
    let keys: HeadQuantization
    let values: HeadQuantization

    /// Scales `keyScales` and `valueScales`: one per tensor, or one per key/value head of `heads`.
    /// - Precondition: each has 1 or `heads` elements.
    init(keyScales: [Float], valueScales: [Float], heads: Int, headDim: Int) {
        keys = HeadQuantization(grid: .fp8, scales: keyScales, heads: heads, headDim: headDim)
        values = HeadQuantization(grid: .fp8, scales: valueScales, heads: heads, headDim: headDim)
    }

    /// Rounds, in place, the keys and values of `rows` rows laid out `[q | k | v]` every `stride`
    /// floats, the keys starting at `keyOffset` and the values right after them.
    func apply(_ queryKeyValue: UnsafeMutablePointer<Float>, rows: Int, stride: Int, keyOffset: Int) {
        keys.apply(queryKeyValue + keyOffset, rows: rows, stride: stride)
        values.apply(queryKeyValue + keyOffset + keys.heads.count * keys.headDim, rows: rows, stride: stride)
    }
}
