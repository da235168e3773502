/// The Qwen2 config.json: the shared keys and Qwen's sliding-window switches.
public struct Qwen2Configuration: DecoderConfiguration, Sendable {
    public var base: TransformerConfiguration
    /// `use_sliding_window`: whether any layer slides.
    public var useSlidingWindow: Bool
    /// `max_window_layers`: layers from this index on slide, when `layer_types` is absent.
    public var maxWindowLayers: Int

    enum CodingKeys: String, CodingKey {
        case useSlidingWindow = "use_sliding_window", maxWindowLayers = "max_window_layers"
    }

    public init(from decoder: Swift.Decoder) throws {
        base = try TransformerConfiguration(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        useSlidingWindow = try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow) ?? false
        maxWindowLayers = try c.decodeIfPresent(Int.self, forKey: .maxWindowLayers) ?? base.layerCount
    }

    public var transformer: TransformerConfiguration { base }

    /// The window of each layer: none unless `use_sliding_window`, then as `layer_types` or
    /// `max_window_layers` say.
    var slidingWindows: [Int?] {
        guard useSlidingWindow else { return Array(repeating: nil, count: base.layerCount) }
        return base.slidingWindows { $0 >= maxWindowLayers }
    }
}

/// Qwen2 and Qwen2.5: Llama's blocks with biases on the query, key and value projections (not on
/// the output projection).
public enum Qwen2: DecoderArchitecture {
    public typealias Configuration = Qwen2Configuration
    public static let modelTypes = ["qwen2"]

    public static func spec(for configuration: Qwen2Configuration) throws(RuntimeError) -> DecoderSpec {
        var spec = DecoderSpec(configuration.base, tiedByDefault: false)
        spec.activation = try Activation(configName: configuration.base.hiddenActivation ?? "silu")
        spec.queryKeyValueBias = true
        spec.slidingWindows = configuration.slidingWindows
        return spec
    }
}
