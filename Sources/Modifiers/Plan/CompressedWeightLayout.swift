import Checkpoint
import Recipes

/// What a compressed-tensors checkpoint holds for each Linear weight of one config group: the
/// group's format and the tensors written in place of the weight, exactly as `oneshot` writes
/// them (and llm-compressor 0.14 does). Checks of compressed checkpoints use it to know what to
/// expect of every quantized module.
public struct CompressedWeightLayout: Sendable {
    /// The compressed-tensors format of the group ("float-quantized", "pack-quantized", ...).
    public let format: String
    private let quantizer: any WeightQuantizer

    /// The layout of `scheme`'s weights. Schemes whose activations need calibration are accepted:
    /// their weights are stored the same way.
    /// - Throws: `unsupportedScheme` for weights no quantizer writes, or a forced format that cannot hold them.
    public init(group: String, scheme: QuantizationScheme) throws(ModifierError) {
        (quantizer, format) = try QuantizerFactory.make(group: group, scheme: scheme)
    }

    /// The tensors (name, dtype, shape) written in place of `weight`, the 2-D weight of `module`,
    /// in write order.
    public func outputs(module: String, weight: TensorInfo) -> [OutputTensor] {
        quantizer.outputs(module: module, weight: weight)
    }

    /// Refuses a weight the scheme cannot take: an empty one, or columns that are not a whole number of groups.
    public func validate(_ weight: TensorInfo) throws(ModifierError) {
        try requireNonEmpty(weight)
        try quantizer.validate(weight)
    }

    /// The top-level `format` of a quantization_config whose groups have `formats`: their common
    /// format, "mixed-precision" when they differ, "dense" when there are none.
    public static func overallFormat(_ formats: [String]) -> String {
        guard let first = formats.first else { return "dense" }
        return Set(formats).count == 1 ? first : "mixed-precision"
    }
}
