import Checkpoint
import Recipes

/// What a compressed-tensors checkpoint holds for each Linear weight of one config group: the
/// group's format and encoding, and the tensors stored in place of the weight, exactly as
/// llm-compressor 0.14 writes them. `oneshot` writes them, `verify` expects them, the runtime
/// reads them.
public struct CompressedWeightLayout: Sendable, Equatable {
    /// The compressed-tensors format of the group ("float-quantized", "pack-quantized", ...).
    public let format: String
    public let encoding: WeightEncoding

    /// The layout of `scheme`'s weights, in the format the scheme forces when it names one that
    /// can hold them, else the one compressed-tensors 0.19 (0.20 for MXFP6) infers (`infer_module_format`).
    /// Schemes whose activations need calibration are accepted: their weights are stored the same way.
    /// - Throws: `unsupportedScheme` for weights no format here stores, or a forced format that cannot hold them.
    public init(group: String, scheme: QuantizationScheme) throws(CompressedTensorsError) {
        guard let weights = scheme.weights else {
            throw .unsupportedScheme(group: group, reason: "a scheme without weight quantization is not supported")
        }
        if weights.type == .int {
            (encoding, format) = try Self.integerLayout(group: group, scheme: scheme, weights: weights)
            return
        }
        let (encoding, formats) = try Self.floatEncoding(group: group, scheme: scheme, weights: weights)
        let format = scheme.format ?? formats[0]
        guard formats.contains(format) else {
            throw .unsupportedScheme(group: group, reason: "format '\(format)' cannot hold \(weights.numBits)-bit float weights with strategy \(weights.strategy.rawValue) (\(formats.joined(separator: " or ")))")
        }
        self.encoding = encoding
        self.format = format
    }

    /// Integer weights: "int-quantized" (one value a byte) when the scheme also quantizes input
    /// activations (of any type), else "pack-quantized"; a format given in the scheme wins.
    private static func integerLayout(group: String, scheme: QuantizationScheme, weights: QuantizationArgs) throws(CompressedTensorsError)
        -> (WeightEncoding, String) {
        let integers = try IntegerEncoding(group: group, weights: weights)
        let format = scheme.format ?? (scheme.inputActivations == nil ? "pack-quantized" : "int-quantized")
        switch format {
        case "pack-quantized": return (.integers(integers, packed: true), format)
        case "int-quantized", "naive-quantized": return (.integers(integers, packed: false), format)
        default:
            throw .unsupportedScheme(group: group, reason: "format '\(format)' is not supported for integer weights (int-quantized, pack-quantized or naive-quantized)")
        }
    }

    /// The encoding of float weights and the formats that store it, the one compressed-tensors
    /// infers first.
    private static func floatEncoding(group: String, scheme: QuantizationScheme, weights: QuantizationArgs) throws(CompressedTensorsError)
        -> (WeightEncoding, [String]) {
        // compressed-tensors' float-quantized compressor takes FP8 weights only beside quantized
        // activations; FP8 weights alone fall through to naive-quantized (compressors/format.py).
        let fp8Formats = scheme.inputActivations == nil ? ["naive-quantized", "float-quantized"] : ["float-quantized", "naive-quantized"]
        switch (weights.numBits, weights.strategy) {
        case (8, .channel) where weights.symmetric:
            return (.fp8(.channel), fp8Formats)
        case (8, .tensor) where weights.symmetric:
            return (.fp8(.tensor), fp8Formats)
        case (8, .block) where weights.symmetric && weights.blockStructure?.count == 2:
            return (.fp8(.block(rows: weights.blockStructure![0], columns: weights.blockStructure![1])), fp8Formats)
        case (4, .tensorGroup) where weights.hasNVFP4Scales:
            return (.nvfp4, ["nvfp4-pack-quantized"])
        case (4, .group) where weights.hasMXScales:
            return (.mxfp4, ["mxfp4-pack-quantized"])
        case (6, .group) where weights.hasMXScales:
            return (.mxfp6, ["mxfp6-pack-quantized"])
        case (8, .group) where weights.hasMXScales:
            return (.mxfp8, ["mxfp8-quantized"])
        default:
            throw .unsupportedScheme(group: group, reason: "weights of \(weights.numBits)-bit \(weights.type) with strategy \(weights.strategy) are not supported yet")
        }
    }
}

extension IntegerEncoding {
    /// The encoding of integer weight args, or why compressed-tensors' integer formats cannot store them.
    public init(group: String, weights: QuantizationArgs) throws(CompressedTensorsError) {
        func refuse(_ reason: String) -> CompressedTensorsError { .unsupportedScheme(group: group, reason: reason) }
        guard weights.type == .int else { throw refuse("\(weights.type.rawValue) weights are not integer weights") }
        guard (1...8).contains(weights.numBits) else {
            throw refuse("\(weights.numBits)-bit integer weights are not supported (1 to 8 bits)")
        }
        guard weights.dynamic == .off else { throw refuse("dynamic weight quantization is not supported") }
        if let dtype = weights.scaleDtype { throw refuse("scale_dtype \(dtype) is not supported for integer weights") }
        if !weights.symmetric, let dtype = weights.zpDtype, dtype != "torch.int8" {
            throw refuse("zp_dtype \(dtype) is not supported for integer weights (torch.int8)")
        }
        let granularity: IntegerGranularity
        switch weights.strategy {
        case .tensor: granularity = .tensor
        case .channel: granularity = .channel
        case .group:
            guard let size = weights.groupSize, size > 0 else { throw refuse("strategy 'group' needs a positive group_size") }
            granularity = .group(size: size)
        default:
            throw refuse("integer weights with strategy '\(weights.strategy.rawValue)' are not supported (tensor, channel or group)")
        }
        self.init(bits: weights.numBits, symmetric: weights.symmetric, granularity: granularity)
    }
}
