extension Architecture {
    /// DeepSeek-V3, V3.1 and R1: multi-head latent attention (``LatentAttentionLayout``) with
    /// rope on each head's last `qk_rope_head_dim` dimensions (interleaved pairs unless
    /// `rope_interleave` is false; YaRN with `mscale` in the released configs); the first `first_k_dense_replace` blocks dense, the others a mixture of
    /// `mlp.experts.N` routed by `mlp.gate` (sigmoid scores with `e_score_correction_bias`,
    /// group-limited top-k, `routed_scaling_factor`; an f32 router never quantized) plus
    /// `mlp.shared_experts`; the multi-token-prediction layer after the last block never
    /// quantized. SmoothQuant's default mapping is llm-compressor 0.14's (`input_layernorm` into
    /// `q_a_proj` or `q_proj` and `kv_a_proj_with_mqa`); its AWQ mappings (which smooth
    /// `q_a_layernorm` and `kv_a_layernorm` into `q_b_proj` and `kv_b_proj`) are not carried here.
    public static let deepseekV3 = Architecture(
        name: "DeepSeek-V3", modelTypes: ["deepseek_v3"], classNames: ["DeepseekV3ForCausalLM"],
        layout: DecoderLayout(
            attention: .latent,
            mixture: MixtureLayout(
                module: "mlp", expert: FeedForwardLayout(), sharedExpert: .deepseek,
                routing: .groupLimitedSigmoid(scoreCorrectionBias: "e_score_correction_bias"),
                normalizesTopKByDefault: true, sparseLayers: .afterFirstDense, definitionOrder: ["experts", "gate", "shared_experts"]),
            hasPredictionLayers: true),
        defaultMappings: DefaultMappings(smoothQuant: [.latentAttentionInput], awq: nil))
}

extension SmoothingMapping {
    /// llm-compressor's SmoothQuant mapping for DeepSeek-V2 and V3: the input norm into the
    /// projections that read it.
    static let latentAttentionInput = SmoothingMapping(
        smooth: "re:.*input_layernorm", balance: ["re:.*q(_a)?_proj$", "re:.*kv_a_proj_with_mqa"])
}

extension SharedExpertLayout {
    /// DeepSeek's `shared_experts`: one MLP of `n_shared_experts × moe_intermediate_size`, added unscaled.
    static let deepseek = SharedExpertLayout(module: "shared_experts", gate: nil)
}
