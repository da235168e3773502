/// Phi-3 (dense): Llama's blocks with the query, key and value projections stored as one
/// `qkv_proj` and the gate and up projections as one `gate_up_proj`; partial rotary factor and
/// Mistral-style sliding window when the config sets them.
public enum Phi3: DecoderArchitecture {
    public typealias Configuration = TransformerConfiguration
    public static let modelTypes = ["phi3"]

    public static func spec(for configuration: TransformerConfiguration) throws(RuntimeError) -> DecoderSpec {
        var spec = DecoderSpec(configuration, tiedByDefault: false)
        spec.activation = try Activation(configName: configuration.hiddenActivation ?? "silu")
        spec.fusedQKV = true
        spec.fusedGateUp = true
        spec.slidingWindows = configuration.slidingWindows { _ in true }
        return spec
    }
}
