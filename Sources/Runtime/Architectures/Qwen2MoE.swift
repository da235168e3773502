/// Qwen2-MoE: Qwen2's blocks with a sparse mixture of experts (`mlp.experts.N`) plus a shared
/// expert scaled by `σ(shared_expert_gate(x))`; the chosen experts' weights are rescaled only when
/// `norm_topk_prob` is set.
public enum Qwen2MoE: DecoderArchitecture {
    public typealias Configuration = MixtureConfiguration
    public static let modelTypes = ["qwen2_moe"]

    public static func spec(for configuration: MixtureConfiguration) throws(RuntimeError) -> DecoderSpec {
        var spec = try Qwen2.spec(for: configuration.qwen)
        spec.mixture = MixtureSpec(
            expertCount: configuration.expertCount, expertsPerToken: configuration.expertsPerToken,
            expertIntermediateSize: configuration.expertIntermediateSize ?? configuration.qwen.base.intermediateSize,
            sharedExpertIntermediateSize: configuration.sharedExpertIntermediateSize,
            normalizeTopK: configuration.normalizeTopK ?? false, sparseLayers: configuration.sparseLayers)
        return spec
    }
}
