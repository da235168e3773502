import Recipes

/// Chooses the weight quantizer and the compressed-tensors format for a config group's scheme,
/// or says why the scheme is not supported. Activation scales are calibration's (`ActivationScales`).
enum QuantizerFactory {
    /// The quantizer of the scheme's weights and their format: the one the scheme forces, when it
    /// names one that can hold them, else the one compressed-tensors infers.
    static func make(group: String, scheme: QuantizationScheme) throws(ModifierError) -> (quantizer: any WeightQuantizer, format: String) {
        guard let weights = scheme.weights else {
            throw .unsupportedScheme(group: group, reason: "a scheme without weight quantization is not supported")
        }
        if weights.type == .int { return try IntegerSchemes.make(group: group, scheme: scheme, weights: weights) }
        let (quantizer, formats) = try floatQuantizer(group: group, scheme: scheme, weights: weights)
        let format = scheme.format ?? formats[0]
        guard formats.contains(format) else {
            throw .unsupportedScheme(group: group, reason: "format '\(format)' cannot hold \(weights.numBits)-bit float weights with strategy \(weights.strategy.rawValue) (\(formats.joined(separator: " or ")))")
        }
        return (quantizer, format)
    }

    /// The quantizer of float weights and the formats that store what it writes, the one
    /// compressed-tensors infers first.
    private static func floatQuantizer(group: String, scheme: QuantizationScheme, weights: QuantizationArgs) throws(ModifierError)
        -> (quantizer: any WeightQuantizer, formats: [String]) {
        // compressed-tensors' float-quantized compressor takes FP8 weights only beside quantized
        // activations; FP8 weights alone fall through to naive-quantized (compressors/format.py).
        let fp8Formats = scheme.inputActivations == nil ? ["naive-quantized", "float-quantized"] : ["float-quantized", "naive-quantized"]
        switch (weights.numBits, weights.strategy) {
        case (8, .channel) where weights.symmetric:
            return (FP8Quantizer(granularity: .channel), fp8Formats)
        case (8, .tensor) where weights.symmetric:
            return (FP8Quantizer(granularity: .tensor), fp8Formats)
        case (8, .block) where weights.symmetric && weights.blockStructure?.count == 2:
            return (FP8BlockQuantizer(blockRows: weights.blockStructure![0], blockColumns: weights.blockStructure![1]), fp8Formats)
        case (4, .tensorGroup) where weights.symmetric && weights.groupSize == NVFP4Quantizer.groupSize && weights.scaleDtype == "torch.float8_e4m3fn":
            return (NVFP4Quantizer(), ["nvfp4-pack-quantized"])
        case (4, .group) where weights.symmetric && weights.groupSize == MXQuantizer.groupSize && weights.scaleDtype == "torch.uint8":
            return (MXQuantizer(element: .fp4), ["mxfp4-pack-quantized"])
        case (8, .group) where weights.symmetric && weights.groupSize == MXQuantizer.groupSize && weights.scaleDtype == "torch.uint8":
            return (MXQuantizer(element: .fp8), ["mxfp8-quantized"])
        default:
            throw .unsupportedScheme(group: group, reason: "weights of \(weights.numBits)-bit \(weights.type) with strategy \(weights.strategy) are not supported yet")
        }
    }
}
