extension Architecture {
    /// Llama (1, 2, 3, 3.1 and 3.2, SmolLM, TinyLlama, …): pre-norm blocks, SwiGLU MLP,
    /// grouped-query attention, RoPE; `attention_bias` and `mlp_bias` when the config sets them.
    public static let llama = Architecture(name: "Llama", modelTypes: ["llama"], classNames: ["LlamaForCausalLM"])
}
