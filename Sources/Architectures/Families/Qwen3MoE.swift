extension Architecture {
    /// Qwen3-MoE: Qwen3's blocks (per-head query and key norms) with a sparse mixture of experts
    /// (`mlp.gate` routing to `mlp.experts.N.{gate,up,down}_proj`) and no shared expert, on the
    /// layers `decoder_sparse_step` and `mlp_only_layers` pick; the chosen experts' weights are
    /// rescaled to sum to 1 unless `norm_topk_prob` is false.
    public static let qwen3MoE = Architecture(
        name: "Qwen3-MoE", modelTypes: ["qwen3_moe"], classNames: ["Qwen3MoeForCausalLM"],
        layout: DecoderLayout(attention: AttentionLayout(queryKeyNorms: ["q_norm", "k_norm"]),
                              mixture: MixtureLayout(module: "mlp", expert: FeedForwardLayout(),
                                                     normalizesTopKByDefault: true, configuredSparseLayers: true)),
        conventions: ForwardConventions(slidingWindows: .fromMaxWindowLayers),
        defaultMappings: .qwenMixtureOfExperts)
}
