/// Qwen3-MoE: Qwen3's blocks (per-head query and key norms) with a sparse mixture of experts
/// (`mlp.experts.N`) and no shared expert; the chosen experts' weights are rescaled to sum to 1
/// unless `norm_topk_prob` is false.
public enum Qwen3MoE: DecoderArchitecture {
    public typealias Configuration = MixtureConfiguration
    public static let modelTypes = ["qwen3_moe"]

    public static func spec(for configuration: MixtureConfiguration) throws(RuntimeError) -> DecoderSpec {
        var spec = try Qwen3.spec(for: configuration.qwen)
        spec.mixture = MixtureSpec(
            expertCount: configuration.expertCount, expertsPerToken: configuration.expertsPerToken,
            expertIntermediateSize: configuration.expertIntermediateSize ?? configuration.qwen.base.intermediateSize,
            sharedExpertIntermediateSize: nil, normalizeTopK: configuration.normalizeTopK ?? true,
            sparseLayers: configuration.sparseLayers)
        return spec
    }
}
