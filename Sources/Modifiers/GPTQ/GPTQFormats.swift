/// The weight formats GPTQ runs on here: every format whose parameters can be frozen
/// (``FreezingWeightQuantizer``) but MXFP8.
enum GPTQFormats {
    /// Refuses a config group whose format GPTQ cannot quantize, at `position` (the modifier's).
    static func require(_ quantizer: any WeightQuantizer, group: String, position: String) throws(ModifierError) {
        func refuse(_ reason: String) -> ModifierError {
            .unsupportedModifier(name: "\(position): GPTQModifier", reason: "config group '\(group)': \(reason)")
        }
        guard quantizer is any FreezingWeightQuantizer else {
            throw refuse("GPTQ cannot quantize the weights of \(type(of: quantizer)) with scales fixed beforehand")
        }
        if let mx = quantizer as? MXQuantizer, mx.element == .fp8 {
            throw refuse("GPTQ with MXFP8 weights is not supported (use MXFP4, NVFP4, FP8 or integer weights, or QuantizationModifier)")
        }
    }
}
