import Checkpoint
import CompressedTensors

/// Why a verification could not run at all: an input that cannot be read. What is wrong inside a
/// readable checkpoint is not an error but a ``VerificationReport/Problem``.
public enum VerificationError: Error, Equatable, CustomStringConvertible {
    /// The checkpoint to verify cannot be opened: no such folder, or invalid safetensors files,
    /// index or config.json (the checkpoint reader validates every header).
    case unreadableCheckpoint(CheckpointError)
    /// The original model to compare with cannot be opened.
    case unreadableOriginal(CheckpointError)
    /// The original model is a quantized checkpoint that cannot be dequantized (a quantization
    /// method no reader handles, a missing or invalid scale).
    case undecodableOriginal(CompressedTensorsError)

    public var description: String {
        switch self {
        case let .unreadableCheckpoint(error): return error.description
        case let .unreadableOriginal(error): return "original model: \(error.description)"
        case let .undecodableOriginal(error): return "original model: \(error.description)"
        }
    }
}
