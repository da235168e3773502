import Checkpoint
import CompressedTensors
import CUDA

/// Everything that can stop the runtime from loading or running a model. Each case names the
/// file, tensor or value involved, so that one line tells a user what is wrong.
public enum RuntimeError: Error, Equatable, CustomStringConvertible {
    /// The checkpoint itself could not be read.
    case checkpoint(CheckpointError)
    /// The folder has no config.json.
    case missingConfiguration(directory: String)
    /// config.json lacks a key the architecture needs, or holds a value it cannot use.
    case invalidConfiguration(file: String, reason: String)
    /// No implementation is registered for the config's `model_type`.
    case unsupportedArchitecture(modelType: String, supported: [String])
    /// A RoPE scaling type the runtime does not implement.
    case unsupportedRopeType(String)
    /// A tensor the architecture needs is not in the checkpoint.
    case missingTensor(String)
    /// A tensor has a shape other than the configuration implies.
    case tensorShape(tensor: String, expected: [Int], actual: [Int])
    /// A tensor is stored in a dtype a dense f32 layer cannot be made from.
    case unsupportedDType(tensor: String, dtype: DType)
    /// A compressed module whose format or quantization arguments the runtime cannot run.
    case unsupportedQuantization(module: String, reason: String)
    /// A compressed-tensors checkpoint whose quantization_config or compressed tensors cannot be read.
    case compressedTensors(CompressedTensorsError)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(token: Int, vocabularySize: Int)
    /// An operation that needs at least one token was given none.
    case emptyInput
    /// The CUDA backend could not be opened: a library, device or kernel, or a bad `--device`.
    case cuda(CUDAError)
    /// The chosen backend cannot do what was asked of it.
    case backendUnavailable(String)
    /// A request whose arguments do not fit together, e.g. fewer tokens than one scoring window.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .checkpoint(error): return error.description
        case let .missingConfiguration(directory): return "\(directory): no config.json"
        case let .invalidConfiguration(file, reason): return "\(file): \(reason)"
        case let .unsupportedArchitecture(modelType, supported):
            return "model_type '\(modelType)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case let .unsupportedRopeType(type): return "rope type '\(type)' is not supported (supported: default, linear, llama3, yarn)"
        case let .missingTensor(name): return "tensor '\(name)' is missing from the checkpoint"
        case let .tensorShape(name, expected, actual): return "tensor '\(name)' has shape \(actual), expected \(expected)"
        case let .unsupportedDType(name, dtype): return "tensor '\(name)' has dtype \(dtype.rawValue), expected BF16, F16 or F32"
        case let .unsupportedQuantization(module, reason): return "module '\(module)': unsupported quantization: \(reason)"
        case let .compressedTensors(error): return error.description
        case let .tokenOutOfRange(token, size): return "token id \(token) is outside the vocabulary of \(size)"
        case .emptyInput: return "no input tokens"
        case let .cuda(error): return error.description
        case let .backendUnavailable(reason): return reason
        case let .invalidArgument(reason): return reason
        }
    }
}
