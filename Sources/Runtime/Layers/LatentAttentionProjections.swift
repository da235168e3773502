/// DeepSeek's multi-head latent attention up to the attention itself, as one ``Linear`` from the
/// block's normed input to the rows the shared attention reads: per position, every head's query,
/// then key, then value, each in a slot of `slot` values (the KV cache's head width).
///
/// A query head is `q_b_proj(q_a_layernorm(q_a_proj(x)))` (or `q_proj(x)`), split into its
/// unrotated and rotated parts; `kv_a_proj_with_mqa(x)` gives the latent, which `kv_a_layernorm`
/// and `kv_b_proj` turn into each head's unrotated key and value, and one rotated key part
/// shared by every head. Slots hold the rotated part first (de-interleaved when the checkpoint
/// stores its pairs interleaved, as transformers' interleaved rope reads them), so that the
/// shared rotary embedding turns the first `qk_rope_head_dim` dimensions of each head, then the
/// unrotated part, then zeros; a value slot holds the value, then zeros. Scores are the same as
/// over transformers' `[unrotated | rotated]` heads, and zero padding adds nothing to them or to
/// the outputs, whose first `v_head_dim` values per head ``LatentAttentionOutput`` keeps.
struct LatentAttentionProjections: Linear {
    /// How the queries are projected.
    enum Query: Sendable {
        /// One full-rank `q_proj`.
        case full(any Linear)
        /// `q_a_proj`, `q_a_layernorm`, `q_b_proj`.
        case lowRank(down: any Linear, norm: RMSNorm, up: any Linear)
    }

    let query: Query
    /// `kv_a_proj_with_mqa`: the latent, then the shared rotated key.
    let keyValueDown: any Linear
    let keyValueNorm: RMSNorm
    /// `kv_b_proj`: per head, the unrotated key, then the value.
    let keyValueUp: any Linear
    let spec: LatentAttentionSpec
    let heads: Int
    /// The width of each head's slot, at least the query/key and the value head widths.
    let slot: Int

    var inputFeatures: Int { keyValueDown.inputFeatures }
    var outputFeatures: Int { 3 * heads * slot }

    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        apply(input, rows: rows, into: output, observe: nil)
    }

    /// ``apply(_:rows:into:)``, showing `observe` the inner activations calibration reads, all
    /// rows at once: ``LayerSite/latentQuery``, ``LayerSite/latentKeyValue`` and, the same rows,
    /// ``LayerSite/keys``.
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, observe: LatentObserver?) {
        let queryWidth = heads * spec.queryKeyHeadDim
        let rank = spec.keyValueRank
        let compressedWidth = rank + spec.rotatedHeadDim
        let keyValueWidth = heads * (spec.unrotatedHeadDim + spec.valueHeadDim)
        let queries = UnsafeMutablePointer<Float>.allocate(capacity: rows * queryWidth)
        let compressed = UnsafeMutablePointer<Float>.allocate(capacity: rows * compressedWidth)
        let latent = UnsafeMutablePointer<Float>.allocate(capacity: rows * rank)
        let keysValues = UnsafeMutablePointer<Float>.allocate(capacity: rows * keyValueWidth)
        defer { for buffer in [queries, compressed, latent, keysValues] { buffer.deallocate() } }

        switch query {
        case let .full(projection):
            projection.apply(input, rows: rows, into: queries)
        case let .lowRank(down, norm, up):
            let reduced = UnsafeMutablePointer<Float>.allocate(capacity: rows * down.outputFeatures)
            defer { reduced.deallocate() }
            down.apply(input, rows: rows, into: reduced)
            norm.apply(reduced, rows: rows, into: reduced)
            observe?(.latentQuery, reduced, down.outputFeatures)
            up.apply(reduced, rows: rows, into: queries)
        }
        keyValueDown.apply(input, rows: rows, into: compressed)
        keyValueNorm.apply(compressed, rows: rows, into: compressed, stride: compressedWidth)
        for r in 0..<rows { (latent + r * rank).update(from: compressed + r * compressedWidth, count: rank) }
        observe?(.latentKeyValue, latent, rank)
        observe?(.keys, latent, rank)
        keyValueUp.apply(latent, rows: rows, into: keysValues)

        output.initialize(repeating: 0, count: rows * outputFeatures)
        let nope = spec.unrotatedHeadDim
        let rope = spec.rotatedHeadDim
        for r in 0..<rows {
            let row = output + r * outputFeatures
            let sharedKey = compressed + r * compressedWidth + rank
            for h in 0..<heads {
                let q = queries + r * queryWidth + h * spec.queryKeyHeadDim
                let kv = keysValues + r * keyValueWidth + h * (nope + spec.valueHeadDim)
                let querySlot = row + h * slot
                let keySlot = row + (heads + h) * slot
                let valueSlot = row + (2 * heads + h) * slot
                placeRotated(q + nope, into: querySlot)
                (querySlot + rope).update(from: q, count: nope)
                placeRotated(sharedKey, into: keySlot)
                (keySlot + rope).update(from: kv, count: nope)
                valueSlot.update(from: kv + nope, count: spec.valueHeadDim)
            }
        }
    }

    /// Copies `qk_rope_head_dim` rotated values, de-interleaving `x0 x1 x2 x3 …` into
    /// `x0 x2 … x1 x3 …` when the pairs are interleaved.
    private func placeRotated(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>) {
        let rope = spec.rotatedHeadDim
        guard spec.interleavedRope else {
            target.update(from: source, count: rope)
            return
        }
        let half = rope / 2
        for i in 0..<half {
            target[i] = source[2 * i]
            target[half + i] = source[2 * i + 1]
        }
    }
}

/// The output projection of latent attention: keeps the first `v_head_dim` values of each head's
/// slot (the rest is the zero padding of ``LatentAttentionProjections``) and applies `o_proj`.
struct LatentAttentionOutput: Linear {
    let projection: any Linear
    let heads: Int
    let slot: Int
    let valueHeadDim: Int

    var inputFeatures: Int { heads * slot }
    var outputFeatures: Int { projection.outputFeatures }

    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        apply(input, rows: rows, into: output, observe: nil)
    }

    /// ``apply(_:rows:into:)``, showing `observe` the heads' values `o_proj` reads
    /// (``LayerSite/attentionOutput``), all rows at once.
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, observe: LatentObserver?) {
        let width = heads * valueHeadDim
        let values = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
        defer { values.deallocate() }
        for r in 0..<rows {
            for h in 0..<heads {
                (values + r * width + h * valueHeadDim).update(from: input + r * inputFeatures + h * slot, count: valueHeadDim)
            }
        }
        observe?(.attentionOutput, values, width)
        projection.apply(values, rows: rows, into: output)
    }
}

/// Receives activations inside latent attention: `rows × width` contiguous values at a site.
typealias LatentObserver = (_ site: LayerSite, _ values: UnsafePointer<Float>, _ width: Int) -> Void
