import Architectures

extension DecoderModel {
    /// The latent attention of the block whose attention module is `attention`
    /// (`model.layers.N.self_attn.`), named as `names` says: its projections up to the shared
    /// attention, and its output projection.
    static func latentAttention(
        _ latent: LatentAttentionSpec, names: LatentAttentionLayout, attention: String, outputName: String, spec: DecoderSpec,
        weights: WeightStore
    ) throws(RuntimeError) -> (projections: LatentAttentionProjections, output: LatentAttentionOutput) {
        let hidden = spec.hiddenSize
        let heads = spec.headCount
        func norm(_ name: String, width: Int) throws(RuntimeError) -> RMSNorm {
            RMSNorm(weight: try weights.floats(attention + name + ".weight", shape: [width]), epsilon: spec.normEpsilon)
        }
        let queryWidth = heads * latent.queryKeyHeadDim
        let query: LatentAttentionProjections.Query
        if let rank = latent.queryRank {
            query = .lowRank(
                down: try weights.projection([attention + names.queryDown], outputs: [rank], inputFeatures: hidden, requireBias: spec.queryKeyValueBias),
                norm: try norm(names.queryNorm, width: rank),
                up: try weights.projection([attention + names.queryUp], outputs: [queryWidth], inputFeatures: rank, requireBias: false))
        } else {
            query = .full(try weights.projection([attention + names.query], outputs: [queryWidth], inputFeatures: hidden, requireBias: false))
        }
        let rank = latent.keyValueRank
        let projections = LatentAttentionProjections(
            query: query,
            keyValueDown: try weights.projection(
                [attention + names.keyValueDown], outputs: [rank + latent.rotatedHeadDim], inputFeatures: hidden,
                requireBias: spec.queryKeyValueBias),
            keyValueNorm: try norm(names.keyValueNorm, width: rank),
            keyValueUp: try weights.projection(
                [attention + names.keyValueUp], outputs: [heads * (latent.unrotatedHeadDim + latent.valueHeadDim)], inputFeatures: rank,
                requireBias: false),
            spec: latent, heads: heads, slot: spec.headDim)
        let output = LatentAttentionOutput(
            projection: try weights.projection(
                [attention + outputName], outputs: [hidden], inputFeatures: heads * latent.valueHeadDim, requireBias: spec.outputBias),
            heads: heads, slot: spec.headDim, valueHeadDim: latent.valueHeadDim)
        return (projections, output)
    }
}
