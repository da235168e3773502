extension Architecture {
    /// Gemma (1): embeddings scaled by `√hidden_size`, RMSNorm as `(1+w)·x̂`, a GeGLU MLP with the
    /// tanh approximation of GELU, and tied embeddings by default.
    public static let gemma = Architecture(
        name: "Gemma", modelTypes: ["gemma"], classNames: ["GemmaForCausalLM"],
        conventions: ForwardConventions(defaultActivation: "gelu_pytorch_tanh", normScale: .onePlusWeight,
                                        scalesEmbeddings: true, tiesHeadByDefault: true))
}
