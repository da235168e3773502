/// Gemma (1): embeddings scaled by `√hidden_size`, RMSNorm as `(1+w)·x̂`, a GeGLU MLP with the
/// tanh approximation of GELU, and tied embeddings by default.
public enum Gemma: DecoderArchitecture {
    public typealias Configuration = TransformerConfiguration
    public static let modelTypes = ["gemma"]

    public static func spec(for configuration: TransformerConfiguration) throws(RuntimeError) -> DecoderSpec {
        var spec = DecoderSpec(configuration, tiedByDefault: true)
        applyGemmaConventions(to: &spec, configuration)
        spec.activation = try Activation(configName: configuration.hiddenActivation ?? "gelu_pytorch_tanh")
        return spec
    }

    /// What Gemma and Gemma-2 share: the embedding scale and the offset norm weights.
    static func applyGemmaConventions(to spec: inout DecoderSpec, _ configuration: TransformerConfiguration) {
        spec.embeddingScale = Float(Double(configuration.hiddenSize).squareRoot())
        spec.normWeightOffset = 1
    }
}
