/// The FP8 key/value cache of a checkpoint with a `kv_cache_scheme`, emulated in f32 as vLLM keeps
/// it: every key and value is stored as E4M3 of `x / scale` (saturating at ±448), with its layer's
/// `k_scale` or `v_scale`, and read back as `code · scale`. Keys are rounded after the rotary
/// embedding, as the cache holds them.
struct KeyValueCacheQuantization: Sendable {
    /// One rounding per key/value head (the same one repeated for a per-tensor scale).
    let keys: [ActivationQuantization]
    let values: [ActivationQuantization]
    let headDim: Int

    /// Scales `keyScales` and `valueScales`: one per tensor, or one per key/value head of `heads`.
    /// - Precondition: each has 1 or `heads` elements.
    init(keyScales: [Float], valueScales: [Float], heads: Int, headDim: Int) {
        func rounding(_ scales: [Float]) -> [ActivationQuantization] {
            (0..<heads).map { ActivationQuantization(grid: .fp8, scale: .fixed(scales.count == 1 ? scales[0] : scales[$0])) }
        }
        keys = rounding(keyScales)
        values = rounding(valueScales)
        self.headDim = headDim
    }

    /// Rounds, in place, the keys and values of `rows` rows laid out `[q | k | v]` every `stride`
    /// floats, the keys starting at `keyOffset` and the values right after them.
    func apply(_ queryKeyValue: UnsafeMutablePointer<Float>, rows: Int, stride: Int, keyOffset: Int) {
        let width = keys.count * headDim
        for r in 0..<rows {
            let key = queryKeyValue + r * stride + keyOffset
            for h in keys.indices {
                keys[h].apply(key + h * headDim, rows: 1, columns: headDim)
                values[h].apply(key + width + h * headDim, rows: 1, columns: headDim)
            }
        }
    }
}
