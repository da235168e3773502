extension Architecture {
    /// GLM-4.5, GLM-4.6 and GLM-4.5-Air (`glm4_moe`): grouped-query attention with biases on the
    /// query, key and value projections (`attention_bias`; none on `o_proj`), per-head query and
    /// key norms when `use_qk_norm`, rope on the first `partial_rotary_factor` of each head; the
    /// first `first_k_dense_replace` blocks dense, the others DeepSeek-V3's mixture (sigmoid
    /// group-limited routing with `e_score_correction_bias` and `routed_scaling_factor`, an f32
    /// router never quantized, `mlp.shared_experts`); the multi-token-prediction layer after the
    /// last block never quantized. llm-compressor 0.14 gives the class the AWQ mappings of its
    /// mixtures (Qwen-MoE's: the router balanced with the experts it feeds; the dense first blocks
    /// and the shared expert get only `up_proj → down_proj`) and Llama's SmoothQuant mappings.
    public static let glm4MoE = Architecture(
        name: "GLM-4-MoE", modelTypes: ["glm4_moe"], classNames: ["Glm4MoeForCausalLM"],
        layout: DecoderLayout(
            attention: AttentionLayout(queryKeyNorms: ["q_norm", "k_norm"], queryKeyNormSwitch: "use_qk_norm"),
            mixture: MixtureLayout(
                module: "mlp", expert: FeedForwardLayout(), sharedExpert: .deepseek,
                routing: .groupLimitedSigmoid(scoreCorrectionBias: "e_score_correction_bias"),
                normalizesTopKByDefault: true, sparseLayers: .afterFirstDense, definitionOrder: ["experts", "gate", "shared_experts"]),
            hasPredictionLayers: true),
        conventions: ForwardConventions(outputBiasFollowsAttentionBias: false),
        defaultMappings: DefaultMappings(smoothQuant: DefaultMappings.llmCompressorDefault.smoothQuant,
                                         awq: DefaultMappings.qwenMixtureOfExperts.awq))
}
