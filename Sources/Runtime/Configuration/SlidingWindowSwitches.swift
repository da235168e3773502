/// Qwen's config.json switches for sliding-window attention.
struct SlidingWindowSwitches: Decodable, Sendable {
    /// `use_sliding_window`: whether any layer slides.
    var useSlidingWindow: Bool
    /// `max_window_layers`: layers from this index on slide, when `layer_types` is absent
    /// (default: none).
    var maxWindowLayers: Int?

    enum CodingKeys: String, CodingKey {
        case useSlidingWindow = "use_sliding_window", maxWindowLayers = "max_window_layers"
    }

    init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        useSlidingWindow = try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow) ?? false
        maxWindowLayers = try c.decodeIfPresent(Int.self, forKey: .maxWindowLayers)
    }

    /// The window of each layer of `base`: none unless `use_sliding_window`, then as `layer_types`
    /// or `max_window_layers` say.
    func slidingWindows(_ base: TransformerConfiguration) -> [Int?] {
        guard useSlidingWindow else { return Array(repeating: nil, count: base.layerCount) }
        let first = maxWindowLayers ?? base.layerCount
        return base.slidingWindows { $0 >= first }
    }
}
