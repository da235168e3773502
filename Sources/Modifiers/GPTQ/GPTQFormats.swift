/// The weight formats GPTQ runs on here: every format whose parameters can be frozen
/// (``FreezingWeightQuantizer``): integer, FP8, NVFP4, MXFP4 and MXFP8.
enum GPTQFormats {
    /// Refuses a config group whose format GPTQ cannot quantize, at `position` (the modifier's).
    static func require(_ quantizer: any WeightQuantizer, group: String, position: String) throws(ModifierError) {
        guard quantizer is any FreezingWeightQuantizer else {
            throw .unsupportedModifier(name: "\(position): GPTQModifier",
                                       reason: "config group '\(group)': GPTQ cannot quantize the weights of \(type(of: quantizer)) with scales fixed beforehand")
        }
    }
}
