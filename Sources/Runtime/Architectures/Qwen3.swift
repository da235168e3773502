/// Qwen3 (dense): Llama's blocks with an RMSNorm over every query and key head before the rotation,
/// and no projection biases unless `attention_bias` is set.
public enum Qwen3: DecoderArchitecture {
    public typealias Configuration = Qwen2Configuration
    public static let modelTypes = ["qwen3"]

    public static func spec(for configuration: Qwen2Configuration) throws(RuntimeError) -> DecoderSpec {
        var spec = DecoderSpec(configuration.base, tiedByDefault: false)
        spec.activation = try Activation(configName: configuration.base.hiddenActivation ?? "silu")
        spec.queryKeyNorm = true
        spec.slidingWindows = configuration.slidingWindows
        return spec
    }
}
