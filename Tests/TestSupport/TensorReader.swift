import Checkpoint
import Foundation

/// Reads the tensors of a checkpoint folder back as f32 values, for tests that compare numbers.
public struct TensorReader {
    public let checkpoint: Checkpoint

    public init(directory: String) throws {
        checkpoint = try Checkpoint(directory: directory)
    }

    /// Every tensor name.
    public var names: [String] { checkpoint.tensors.map(\.name) }

    /// The dtype and shape of `name`, or nil when absent.
    public func info(_ name: String) -> TensorInfo? {
        checkpoint.tensors.first { $0.name == name }?.info
    }

    /// The values of `name` (BF16, F16, F32 or F8_E4M3) widened to f32.
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = checkpoint.tensors.first(where: { $0.name == name }) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no tensor \(name)"])
        }
        let bytes = Array(checkpoint.data(tensor))
        switch tensor.info.dtype {
        case .bf16: return stride(from: 0, to: bytes.count, by: 2).map { BF16.float(UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
        case .f16: return stride(from: 0, to: bytes.count, by: 2).map { F16.float(UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
        case .f32: return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        case .f8e4m3: return bytes.map(FP8E4M3.decode)
        default: throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(name): dtype \(tensor.info.dtype)"])
        }
    }
}
