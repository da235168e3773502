/// The modifier classes llm-compressor 0.14's `ModifierFactory` registers, by what this port does
/// with them. Names must match exactly (the factory has no suffixes or aliases).
enum ModifierNames {
    static let quantization = "QuantizationModifier"
    static let gptq = "GPTQModifier"
    static let smoothQuant = "SmoothQuantModifier"
    static let awq = "AWQModifier"

    /// The modifiers this port reads.
    static let supported = [quantization, gptq, smoothQuant, awq]

    /// Other modifiers that run the model on calibration data.
    static let needCalibration = [
        "AutoRoundModifier", "LogarithmicEqualizationModifier", "SparseGPTModifier", "WandaPruningModifier", "REAPPruningModifier",
    ]

    /// Other modifiers llm-compressor has that this port does not implement.
    static let otherUnsupported = [
        "ConstantPruningModifier", "MagnitudePruningModifier", "QuIPModifier", "SpinQuantModifier",
    ]

    static var all: [String] { supported + needCalibration + otherUnsupported }
}
