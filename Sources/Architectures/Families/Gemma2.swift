extension Architecture {
    /// Gemma-2: Gemma's conventions plus norms after attention and after the MLP (the MLP reads
    /// `pre_feedforward_layernorm`), soft-capped attention scores and logits, a query scale from
    /// `query_pre_attn_scalar`, and sliding-window attention on even layers (4096 positions
    /// unless `sliding_window` says otherwise) when `layer_types` is absent.
    public static let gemma2 = Architecture(
        name: "Gemma-2", modelTypes: ["gemma2"], classNames: ["Gemma2ForCausalLM"],
        layout: DecoderLayout(norms: .sandwich),
        conventions: ForwardConventions(defaultActivation: "gelu_pytorch_tanh", normScale: .onePlusWeight, scalesEmbeddings: true,
                                        tiesHeadByDefault: true, slidingWindows: .evenLayers(defaultWindow: 4096), softCapping: true),
        defaultMappings: DefaultMappings(
            smoothQuant: DefaultMappings.llmCompressorDefault.smoothQuant,
            awq: [
                SmoothingMapping(smooth: "re:.*input_layernorm$", balance: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"]),
                SmoothingMapping(smooth: "re:.*v_proj$", balance: ["re:.*o_proj$"]),
                SmoothingMapping(smooth: "re:.*pre_feedforward_layernorm$", balance: ["re:.*gate_proj$", "re:.*up_proj$"]),
                SmoothingMapping(smooth: "re:.*up_proj$", balance: ["re:.*down_proj$"]),
            ]))
}
