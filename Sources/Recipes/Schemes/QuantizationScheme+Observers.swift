extension QuantizationScheme {
    /// The scheme with the observers llm-compressor 0.14 sets when it resolves a config group
    /// (`QuantizationMixin._apply_observer_overrides`): an override replaces the observer of its
    /// args; otherwise an observer the args were given is kept, and a missing one becomes
    /// "memoryless_minmax" for weights and "minmax" for activations, or stays none for dynamic
    /// (`dynamic: true`) quantization. A `kv_cache_scheme` is never resolved this way.
    func resolvingObservers(weights weightsOverride: String? = nil, input inputOverride: String? = nil,
                            output outputOverride: String? = nil) -> QuantizationScheme {
        func resolve(_ args: QuantizationArgs?, _ override: String?, default defaultObserver: String) -> QuantizationArgs? {
            guard var args else { return nil }
            if let override {
                args.observer = override
            } else if args.observer == nil, args.dynamic != .on {
                args.observer = defaultObserver
            }
            return args
        }
        var scheme = self
        scheme.weights = resolve(weights, weightsOverride, default: "memoryless_minmax")
        scheme.inputActivations = resolve(inputActivations, inputOverride, default: "minmax")
        scheme.outputActivations = resolve(outputActivations, outputOverride, default: "minmax")
        return scheme
    }
}
