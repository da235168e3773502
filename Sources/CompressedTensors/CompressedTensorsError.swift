import Checkpoint
import Recipes

/// Why a compressed-tensors `quantization_config`, a config group's scheme or a module's stored
/// tensors cannot be used. Callers wrap it in their own error type; `description` is the one line
/// a user sees, naming the file, group, module or tensor at fault.
public enum CompressedTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `quantization_config` of config.json (`file`) breaks compressed-tensors' rules; the
    /// recipe validators that read it say which.
    case invalidConfig(file: String, RecipeError)
    /// A `re:` target or ignore pattern that ran out of its matching step budget
    /// (`RecipeError.patternTooSlow`).
    case pattern(RecipeError)
    /// A config group whose weights no compressed-tensors format known here stores.
    case unsupportedScheme(group: String, reason: String)
    /// A tensor a compressed module needs is not in the checkpoint.
    case missingTensor(String)
    /// A stored tensor whose shape is not the one its format and weight imply.
    case tensorShape(tensor: String, expected: [Int], actual: [Int])
    /// A stored tensor holding values no format allows, such as a scale of zero.
    case invalidTensor(tensor: String, reason: String)
    /// A scale stored in a dtype no format uses.
    case unsupportedDType(tensor: String, dtype: DType)
    /// A module stored in a way no decoder reads (dtype, bits, zero points).
    case unsupportedFormat(module: String, reason: String)
    /// Scale blocks that cannot tile their weight (an empty weight, or an empty block).
    case invalidScaleBlock(String)

    /// What is wrong, without the config.json path `invalidConfig` starts with.
    public var message: String {
        switch self {
        case let .invalidConfig(_, error): return "quantization_config: \(error.message)"
        case let .pattern(error): return error.description
        case let .unsupportedScheme(group, reason): return "\(group): \(reason)"
        case let .missingTensor(name): return "tensor '\(name)' is missing from the checkpoint"
        case let .tensorShape(name, expected, actual): return "tensor '\(name)' has shape \(actual), expected \(expected)"
        case let .invalidTensor(name, reason): return "tensor '\(name)' \(reason)"
        case let .unsupportedDType(name, dtype): return "tensor '\(name)' has dtype \(dtype.rawValue), expected BF16, F16 or F32"
        case let .unsupportedFormat(module, reason): return "module '\(module)': unsupported quantization: \(reason)"
        case let .invalidScaleBlock(reason): return reason
        }
    }

    public var description: String {
        if case let .invalidConfig(file, _) = self { return "\(file): \(message)" }
        return message
    }
}
