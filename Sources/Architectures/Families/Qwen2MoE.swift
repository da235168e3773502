extension Architecture {
    /// Qwen2-MoE: Qwen2's blocks with a sparse mixture of experts (`mlp.gate` routing to
    /// `mlp.experts.N.{gate,up,down}_proj`) plus a shared expert (`mlp.shared_expert`) scaled by
    /// `σ(mlp.shared_expert_gate(x))`, on the layers `decoder_sparse_step` and `mlp_only_layers`
    /// pick; the chosen experts' weights are rescaled only when `norm_topk_prob` is set.
    public static let qwen2MoE = Architecture(
        name: "Qwen2-MoE", modelTypes: ["qwen2_moe"], classNames: ["Qwen2MoeForCausalLM"],
        layout: DecoderLayout(mixture: MixtureLayout(module: "mlp", expert: FeedForwardLayout(), sharedExpert: SharedExpertLayout(),
                                                     normalizesTopKByDefault: false, sparseLayers: .configuredStep)),
        conventions: ForwardConventions(queryKeyValueBias: true, slidingWindows: .fromMaxWindowLayers),
        defaultMappings: .qwenMixtureOfExperts)
}

extension DefaultMappings {
    /// llm-compressor's mappings for Qwen2-MoE and Qwen3-MoE: SmoothQuant on attention only,
    /// AWQ balancing the router with the experts (its `_moe_default_mappings`, which GLM-4-MoE
    /// shares).
    static let qwenMixtureOfExperts = DefaultMappings(
        smoothQuant: [SmoothingMapping(smooth: "re:.*input_layernorm$", balance: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"])],
        awq: [
            SmoothingMapping(smooth: "re:.*input_layernorm$", balance: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"]),
            SmoothingMapping(smooth: "re:.*v_proj$", balance: ["re:.*o_proj$"]),
            SmoothingMapping(smooth: "re:.*post_attention_layernorm$",
                             balance: ["re:.*mlp.gate$", "re:.*mlp.experts.*.gate_proj$", "re:.*mlp.experts.*.up_proj$"]),
            SmoothingMapping(smooth: "re:.*up_proj$", balance: ["re:.*down_proj$"]),
        ])
}
