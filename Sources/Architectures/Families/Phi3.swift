extension Architecture {
    /// Phi-3 (dense): Llama's blocks with the query, key and value projections stored as one
    /// `qkv_proj` and the gate and up projections as one `gate_up_proj` (gate first); the partial
    /// rotary factor (`partial_rotary_factor`) and Mistral-style sliding windows when the config
    /// sets them. Its attention defines `o_proj` before `qkv_proj`.
    public static let phi3 = Architecture(
        name: "Phi-3", modelTypes: ["phi3"], classNames: ["Phi3ForCausalLM"],
        layout: DecoderLayout(attention: AttentionLayout(inputs: .fused("qkv_proj"), outputDefinedFirst: true),
                              mlp: FeedForwardLayout(inputs: .fused("gate_up_proj"))),
        conventions: ForwardConventions(slidingWindows: .everyLayer),
        defaultMappings: DefaultMappings(
            smoothQuant: [
                SmoothingMapping(smooth: "re:.*input_layernorm", balance: ["re:.*qkv_proj"]),
                SmoothingMapping(smooth: "re:.*post_attention_layernorm", balance: ["re:.*gate_up_proj"]),
            ],
            awq: [
                SmoothingMapping(smooth: "re:.*input_layernorm$", balance: ["re:.*qkv_proj$"]),
                SmoothingMapping(smooth: "re:.*qkv_proj$", balance: ["re:.*o_proj$"]),
                SmoothingMapping(smooth: "re:.*post_attention_layernorm$", balance: ["re:.*gate_up_proj$"]),
                SmoothingMapping(smooth: "re:.*gate_up_proj$", balance: ["re:.*down_proj$"]),
            ]))
}
