extension DecoderLayout {
    /// Whether `module` belongs to a multi-token-prediction layer of a model of `layerCount`
    /// decoder layers (config.json's `num_hidden_layers`; nil when unknown, which finds none).
    public func isPredictionModule(_ module: String, layerCount: Int?) -> Bool {
        guard hasPredictionLayers, let layerCount, let index = block(of: module) else { return false }
        return index >= layerCount
    }
}
