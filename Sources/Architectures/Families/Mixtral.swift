extension Architecture {
    /// Mixtral: Mistral's blocks with a sparse mixture of SwiGLU experts in place of every MLP:
    /// `block_sparse_moe.gate` routes to `block_sparse_moe.experts.N.{w1,w3,w2}` (gate, up, down,
    /// defined as w1, w2, w3), whose chosen weights are rescaled to sum to 1. SmoothQuant smooths
    /// attention only (one scale across experts unbalances them).
    public static let mixtral = Architecture(
        name: "Mixtral", modelTypes: ["mixtral"], classNames: ["MixtralForCausalLM"],
        layout: DecoderLayout(
            mlp: nil,
            mixture: MixtureLayout(
                module: "block_sparse_moe",
                expert: FeedForwardLayout(inputs: .separate(["w1", "w3"]), output: "w2", definitionOrder: ["w1", "w2", "w3"]),
                normalizesTopKByDefault: true, configuredSparseLayers: false)),
        conventions: ForwardConventions(slidingWindows: .everyLayer),
        defaultMappings: DefaultMappings(
            smoothQuant: [SmoothingMapping(smooth: "re:.*input_layernorm", balance: ["re:.*q_proj", "re:.*k_proj", "re:.*v_proj"])],
            awq: DefaultMappings.llmCompressorDefault.awq))
}
