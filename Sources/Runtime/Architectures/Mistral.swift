/// Mistral: Llama's blocks with sliding-window attention on every layer when `sliding_window` is set.
public enum Mistral: DecoderArchitecture {
    public typealias Configuration = TransformerConfiguration
    public static let modelTypes = ["mistral"]

    public static func spec(for configuration: TransformerConfiguration) throws(RuntimeError) -> DecoderSpec {
        var spec = DecoderSpec(configuration, tiedByDefault: false)
        spec.activation = try Activation(configName: configuration.hiddenActivation ?? "silu")
        spec.slidingWindows = configuration.slidingWindows { _ in true }
        return spec
    }
}
