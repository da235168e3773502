extension Architecture {
    /// DeepSeek-V3, V3.1 and R1: multi-head latent attention (``LatentAttentionLayout``) with
    /// rope on each head's last `qk_rope_head_dim` dimensions (interleaved pairs unless
    /// `rope_interleave` is false; YaRN with `mscale` in the released configs); the first `first_k_dense_replace` blocks dense, the others a mixture of
    /// `mlp.experts.N` routed by `mlp.gate` (sigmoid scores with `e_score_correction_bias`,
    /// group-limited top-k, `routed_scaling_factor`; an f32 router never quantized) plus
    /// `mlp.shared_experts`; the multi-token-prediction layer after the last block never
    /// quantized. SmoothQuant's default mapping is llm-compressor 0.14's (`input_layernorm` into
    /// `q_a_proj` or `q_proj` and `kv_a_proj_with_mqa`); so are AWQ's (``SmoothingMapping/latentAttentionAWQ``).
    public static let deepseekV3 = Architecture(
        name: "DeepSeek-V3", modelTypes: ["deepseek_v3"], classNames: ["DeepseekV3ForCausalLM"],
        layout: DecoderLayout(
            attention: .latent,
            mixture: MixtureLayout(
                module: "mlp", expert: FeedForwardLayout(), sharedExpert: .deepseek,
                routing: .groupLimitedSigmoid(scoreCorrectionBias: "e_score_correction_bias"),
                normalizesTopKByDefault: true, sparseLayers: .afterFirstDense, definitionOrder: ["experts", "gate", "shared_experts"]),
            hasPredictionLayers: true),
        defaultMappings: DefaultMappings(smoothQuant: [.latentAttentionInput], awq: SmoothingMapping.latentAttentionAWQ))
}

extension SmoothingMapping {
    /// llm-compressor's SmoothQuant mapping for DeepSeek-V2 and V3: the input norm into the
    /// projections that read it.
    static let latentAttentionInput = SmoothingMapping(
        smooth: "re:.*input_layernorm", balance: ["re:.*q(_a)?_proj$", "re:.*kv_a_proj_with_mqa"])
}

extension SmoothingMapping {
    /// llm-compressor 0.14's AWQ mappings for DeepSeek-V3: the input norm into the projections
    /// that read it, `q_a_layernorm` into `q_b_proj` and `kv_a_layernorm` into `kv_b_proj` (each
    /// compared on that projection alone), `post_attention_layernorm` into the router and every
    /// gate and up projection (routed, shared, or the dense blocks' MLP), each `up_proj` into its
    /// `down_proj`. llm-compressor itself refuses these on a checkpoint with dense first blocks
    /// (its module matching cannot close the dense block's set without a router); here they apply
    /// block by block, the dense blocks' norms balanced with their MLP's gate and up.
    static let latentAttentionAWQ = [
        SmoothingMapping(smooth: "re:.*input_layernorm$", balance: ["re:.*(q|q_a)_proj$", "re:.*kv_a_proj_with_mqa$"]),
        SmoothingMapping(smooth: "re:.*q_a_layernorm$", balance: ["re:.*q_b_proj$"]),
        SmoothingMapping(smooth: "re:.*kv_a_layernorm$", balance: ["re:.*kv_b_proj$"]),
        SmoothingMapping(smooth: "re:.*post_attention_layernorm$", balance: ["re:.*mlp.gate$", "re:.*gate_proj$", "re:.*up_proj$"]),
        SmoothingMapping(smooth: "re:.*up_proj$", balance: ["re:.*down_proj$"]),
    ]
}

extension SharedExpertLayout {
    /// DeepSeek's `shared_experts`: one MLP of `n_shared_experts × moe_intermediate_size`, added unscaled.
    static let deepseek = SharedExpertLayout(module: "shared_experts", gate: nil)
}
