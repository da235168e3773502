import Recipes

/// Picks the quantizer and compressed-tensors format for a scheme with integer weights, as
/// compressed-tensors 0.19 infers the format (`infer_module_format`, compressors/format.py):
/// "int-quantized" when the scheme also quantizes input activations (of any type), else
/// "pack-quantized" (1 to 8 bits). A format given in the scheme wins.
enum IntegerSchemes {
    /// Weight observers whose statistics, for a weight seen once, are its plain minimum and maximum.
    static let minMaxObservers: Set<String> = ["minmax", "static_minmax", "memoryless_minmax"]

    static func make(group: String, scheme: QuantizationScheme, weights: QuantizationArgs) throws(ModifierError)
        -> (quantizer: any WeightQuantizer, format: String) {
        let kernel = try kernel(group: group, weights: weights)
        let format = scheme.format ?? (scheme.inputActivations == nil ? "pack-quantized" : "int-quantized")
        switch format {
        case "pack-quantized": return (PackQuantizer(grid: kernel.grid, granularity: kernel.granularity), format)
        case "int-quantized", "naive-quantized": return (IntQuantizer(grid: kernel.grid, granularity: kernel.granularity), format)
        default:
            throw .unsupportedScheme(group: group, reason: "format '\(format)' is not supported for integer weights (int-quantized, pack-quantized or naive-quantized)")
        }
    }

    /// The grid and granularity of integer weight args, or why they are not supported.
    static func kernel(group: String, weights: QuantizationArgs) throws(ModifierError) -> IntegerWeightKernel {
        func refuse(_ reason: String) -> ModifierError { .unsupportedScheme(group: group, reason: reason) }
        guard weights.type == .int else { throw refuse("\(weights.type.rawValue) weights are not integer weights") }
        guard (1...8).contains(weights.numBits) else {
            throw refuse("\(weights.numBits)-bit integer weights are not supported (1 to 8 bits)")
        }
        guard weights.dynamic == .off else { throw refuse("dynamic weight quantization is not supported") }
        if let observer = weights.observer, !minMaxObservers.contains(ObserverNamesKey.standard(observer)) {
            throw refuse("weight observer '\(observer)' is not supported for integer weights (use memoryless_minmax)")
        }
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
        return IntegerWeightKernel(grid: IntegerGrid(bits: weights.numBits, symmetric: weights.symmetric), granularity: granularity)
    }
}

/// Observer names compared as llm-compressor's registry compares them: case-insensitive, with
/// `-`, `_` and spaces equivalent.
private enum ObserverNamesKey {
    static func standard(_ name: String) -> String {
        String(name.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
    }
}
