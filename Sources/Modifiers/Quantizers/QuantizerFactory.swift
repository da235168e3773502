import Recipes

/// Chooses the quantizer and the compressed-tensors format for a config group's scheme, or says
/// why the scheme cannot be applied without calibration data or is not supported.
enum QuantizerFactory {
    static func make(group: String, scheme: QuantizationScheme) throws(ModifierError) -> (quantizer: any WeightQuantizer, format: String) {
        if scheme.requiresCalibration {
            throw .needsCalibration(group: group, reason: "the scheme has static activation scales")
        }
        guard let weights = scheme.weights else {
            throw .unsupportedScheme(group: group, reason: "a scheme without weight quantization is not supported")
        }
        switch (weights.type, weights.numBits, weights.strategy) {
        case (.float, 8, .channel) where weights.symmetric:
            return (FP8Quantizer(granularity: .channel), "float-quantized")
        case (.float, 8, .tensor) where weights.symmetric:
            return (FP8Quantizer(granularity: .tensor), "float-quantized")
        default:
            throw .unsupportedScheme(group: group, reason: "weights of \(weights.numBits)-bit \(weights.type) with strategy \(weights.strategy) are not supported yet")
        }
    }
}
