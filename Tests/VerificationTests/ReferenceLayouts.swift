import Checkpoint
import Foundation
import TestSupport

/// Checkpoints with the exact layout of llm-compressor's reference outputs, made from their
/// manifests (names, dtypes, shapes) and config.json: scales hold ones, `weight_shape` the
/// original weight's shape, everything else zeros. Verifying them checks our expectations
/// against what llm-compressor 0.14 really writes, independently of our own writer.
enum ReferenceLayouts {
    /// Every folder of `Tests/Fixtures/references`.
    static var all: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.path("references")).sorted()) ?? []
    }

    /// The input model of reference `name` (`MODEL--SCHEME`).
    static func model(of name: String) -> String {
        let model = String(name[..<name.range(of: "--")!.lowerBound])
        switch model {
        case "tiny-llama": return Fixtures.path("tiny-llama")
        case "llama_intedge", "llama_intedgef16", "llama_nonfinite", "llama_zero": return Fixtures.path("models/llama")
        default: return Fixtures.path("models/" + model)
        }
    }

    /// llm-compressor 0.14 renames Mixtral's experts; their original names.
    static let originalExpertNames = [".gate_proj.": ".w1.", ".up_proj.": ".w3.", ".down_proj.": ".w2."]

    /// Writes the layout of reference `name` into `path`.
    static func write(_ name: String, to path: String) throws {
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(name)/manifest.json"))
        let original = try Checkpoint(directory: model(of: name))
        var tensors: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])] = []
        for (tensorName, entry) in manifest.tensors.sorted(by: { $0.key < $1.key }) {
            let dtype = DType(rawValue: entry.dtype)!
            let count = entry.shape.reduce(1, *)
            var bytes = [UInt8](repeating: 0, count: dtype.byteCount(elements: count)!)
            if tensorName.hasSuffix("_scale") {
                bytes = (0..<count).flatMap { _ in one(dtype) }
            } else if tensorName.hasSuffix(".weight_shape") {
                var weightName = String(tensorName.dropLast("_shape".count))
                if name.hasPrefix("mixtral") {
                    for (renamed, original) in originalExpertNames { weightName = weightName.replacingOccurrences(of: renamed, with: original) }
                }
                let shape = original.tensor(named: weightName)!.info.shape
                bytes = shape.flatMap { withUnsafeBytes(of: Int64($0).littleEndian) { Array($0) } }
            }
            tensors.append((tensorName, dtype, entry.shape, bytes))
        }
        let config = try ModelConfig(path: Fixtures.path("references/\(name)/config.json")).json
        try EditableCheckpoint(tensors: tensors, config: config).write(to: path)
    }

    /// The bytes of 1 in `dtype` (a power-of-two exponent code for U8 E8M0 scales).
    private static func one(_ dtype: DType) -> [UInt8] {
        switch dtype {
        case .bf16: return [0x80, 0x3F]
        case .f16: return [0x00, 0x3C]
        case .f32: return [0x00, 0x00, 0x80, 0x3F]
        case .f8e4m3: return [0x38]
        case .u8, .f8e8m0: return [127]
        default: fatalError("no scale dtype: \(dtype)")
        }
    }
}
