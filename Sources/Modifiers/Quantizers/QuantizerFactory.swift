import Recipes

/// Chooses the weight quantizer and the compressed-tensors format for a config group's scheme,
/// or says why the scheme is not supported. Activation scales are calibration's (`ActivationScales`).
enum QuantizerFactory {
    static func make(group: String, scheme: QuantizationScheme) throws(ModifierError) -> (quantizer: any WeightQuantizer, format: String) {
        guard let weights = scheme.weights else {
            throw .unsupportedScheme(group: group, reason: "a scheme without weight quantization is not supported")
        }
        // compressed-tensors' float-quantized compressor takes FP8 weights only beside quantized
        // activations; FP8 weights alone fall through to naive-quantized (compressors/format.py).
        let fp8Format = scheme.inputActivations == nil ? "naive-quantized" : "float-quantized"
        switch (weights.type, weights.numBits, weights.strategy) {
        case (.float, 8, .channel) where weights.symmetric:
            return (FP8Quantizer(granularity: .channel), fp8Format)
        case (.float, 8, .tensor) where weights.symmetric:
            return (FP8Quantizer(granularity: .tensor), fp8Format)
        case (.float, 8, .block) where weights.symmetric && weights.blockStructure?.count == 2:
            return (FP8BlockQuantizer(blockRows: weights.blockStructure![0], blockColumns: weights.blockStructure![1]), fp8Format)
        case (.float, 4, .tensorGroup) where weights.symmetric && weights.groupSize == NVFP4Quantizer.groupSize && weights.scaleDtype == "torch.float8_e4m3fn":
            return (NVFP4Quantizer(), "nvfp4-pack-quantized")
        case (.float, 4, .group) where weights.symmetric && weights.groupSize == MXQuantizer.groupSize && weights.scaleDtype == "torch.uint8":
            return (MXQuantizer(element: .fp4), "mxfp4-pack-quantized")
        case (.float, 8, .group) where weights.symmetric && weights.groupSize == MXQuantizer.groupSize && weights.scaleDtype == "torch.uint8":
            return (MXQuantizer(element: .fp8), "mxfp8-quantized")
        case (.int, _, _):
            return try IntegerSchemes.make(group: group, scheme: scheme, weights: weights)
        default:
            throw .unsupportedScheme(group: group, reason: "weights of \(weights.numBits)-bit \(weights.type) with strategy \(weights.strategy) are not supported yet")
        }
    }
}
