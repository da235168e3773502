import Recipes

extension OneshotPlan {
    /// The modifiers of `recipe` (as `Recipe.initialized(for:)` leaves it) that need
    /// calibration data, each as `NAME at FILE:LINE:COLUMN`, with what needs it for a
    /// QuantizationModifier: its config groups' static activations or imatrix weight observers, its `kv_cache_scheme`, or
    /// `requires_calibration_data: true`.
    static func calibratingModifiers(of recipe: Recipe) -> [String] {
        recipe.modifiers.compactMap { modifier in
            let named = "\(modifier.name) at \(modifier.position)"
            guard case let .quantization(spec) = modifier else { return named }
            guard spec.requiresCalibrationData else { return nil }
            var reasons = spec.configGroups.filter(\.scheme.requiresCalibration).map {
                $0.scheme.hasImatrixObserver ? "the inputs' importance for weight observer '\($0.scheme.weights?.observer ?? "")' in config group '\($0.name)'"
                                             : "static activations in config group '\($0.name)'"
            }
            if spec.kvCacheScheme != nil { reasons.append("kv_cache_scheme") }
            if reasons.isEmpty { reasons.append("requires_calibration_data: true") }
            return "\(named) (\(reasons.joined(separator: ", ")))"
        }
    }
}
