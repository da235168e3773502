/// Llama (1, 2, 3, 3.1 and 3.2, SmolLM, TinyLlama, …): pre-norm blocks, SwiGLU MLP, grouped-query
/// attention, RoPE; `attention_bias` and `mlp_bias` when the config sets them.
public enum Llama: DecoderArchitecture {
    public typealias Configuration = TransformerConfiguration
    public static let modelTypes = ["llama"]

    public static func spec(for configuration: TransformerConfiguration) throws(RuntimeError) -> DecoderSpec {
        var spec = DecoderSpec(configuration, tiedByDefault: false)
        spec.activation = try Activation(configName: configuration.hiddenActivation ?? "silu")
        return spec
    }
}
