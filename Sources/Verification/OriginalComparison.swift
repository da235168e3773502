import Checkpoint
import Foundation
import Modifiers

/// The tensors a compressed checkpoint copies from its original (everything quantization did
/// not write) must be the original's, byte for byte, and every tensor of the original must be
/// in the checkpoint, copied or replaced by its quantized form.
struct OriginalComparison {
    private(set) var problems: [VerificationReport.Problem] = []
    /// How many tensors the checkpoint copies, and how many of them equal the original's.
    private(set) var copied = 0
    private(set) var identical = 0

    /// Compares `checkpoint` with `original`; `written` are the tensors quantization wrote and
    /// `quantizedModules` the modules whose `weight` it replaced.
    init(checkpoint: Checkpoint, original: Checkpoint, written: Set<String>, quantizedModules: Set<String>) {
        for tensor in checkpoint.tensors where !written.contains(tensor.name) {
            copied += 1
            guard let source = original.tensor(named: tensor.name) else {
                problems.append(.init(tensor: tensor.name, message: "not in the original model, and no config group writes it"))
                continue
            }
            if source.info.dtype != tensor.info.dtype || source.info.shape != tensor.info.shape {
                problems.append(.init(tensor: tensor.name, message: "\(tensor.info.dtype.rawValue) \(tensor.info.shape), but the original is \(source.info.dtype.rawValue) \(source.info.shape)"))
            } else if let offset = Self.firstDifference(checkpoint.data(tensor), original.data(source)) {
                problems.append(.init(tensor: tensor.name, message: "differs from the original from byte \(offset) on"))
            } else {
                identical += 1
            }
            checkpoint.release(tensor)
            original.release(source)
        }
        for tensor in original.tensors where checkpoint.tensor(named: tensor.name) == nil {
            let (module, parameter) = QuantizationPlan.split(tensor.name)
            if parameter == "weight", quantizedModules.contains(module) { continue }
            problems.append(.init(tensor: tensor.name, message: "in the original model, missing from the checkpoint"))
        }
    }

    /// The offset of the first byte where `a` and `b` (of equal length) differ, or nil.
    private static func firstDifference(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int? {
        guard a.count > 0, memcmp(a.baseAddress!, b.baseAddress!, a.count) != 0 else { return nil }
        return (0..<a.count).first { a[$0] != b[$0] }
    }
}
