extension Architecture {
    /// Mixtral: Mistral's blocks with a sparse mixture of SwiGLU experts in place of every MLP:
    /// `block_sparse_moe.gate` routes to `block_sparse_moe.experts.N.{w1,w3,w2}` (gate, up, down,
    /// defined as w1, w2, w3), whose chosen weights are rescaled to sum to 1. transformers 5 names
    /// them `mlp.gate` and `mlp.experts.N.{gate,up,down}_proj`, which llm-compressor's patterns
    /// are written against. SmoothQuant smooths attention only (one scale across experts
    /// unbalances them); AWQ takes llm-compressor's default mappings, which smooth
    /// `post_attention_layernorm` with every expert's w1 and w3 and each expert's w3 with its w2,
    /// and leave the router reading the smoothed norm unscaled, as llm-compressor does.
    public static let mixtral = Architecture(
        name: "Mixtral", modelTypes: ["mixtral"], classNames: ["MixtralForCausalLM"],
        layout: DecoderLayout(
            mlp: nil,
            mixture: MixtureLayout(
                module: "block_sparse_moe",
                expert: FeedForwardLayout(inputs: .separate(["w1", "w3"]), output: "w2", definitionOrder: ["w1", "w2", "w3"]),
                normalizesTopKByDefault: true, sparseLayers: .all, transformersNames: TransformersNames(module: "mlp"))),
        conventions: ForwardConventions(slidingWindows: .everyLayer),
        defaultMappings: DefaultMappings(
            smoothQuant: [SmoothingMapping(smooth: "re:.*input_layernorm", balance: ["re:.*q_proj", "re:.*k_proj", "re:.*v_proj"])],
            awq: DefaultMappings.llmCompressorDefault.awq))
}
