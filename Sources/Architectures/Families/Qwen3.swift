extension Architecture {
    /// Qwen3 (dense): Llama's blocks with an RMSNorm over every query and key head before the
    /// rotation, no projection biases unless `attention_bias` is set, and Qwen2's sliding windows.
    public static let qwen3 = Architecture(
        name: "Qwen3", modelTypes: ["qwen3"], classNames: ["Qwen3ForCausalLM"],
        layout: DecoderLayout(attention: AttentionLayout(queryKeyNorms: ["q_norm", "k_norm"])),
        conventions: ForwardConventions(slidingWindows: .fromMaxWindowLayers))
}
