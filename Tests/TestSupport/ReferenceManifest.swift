import Checkpoint
import Foundation
import JSON

/// A reference output of llm-compressor as `stmanifest.py describe` records it: dtype, shape and
/// SHA-256 of every tensor, and the quantization_config. `compare` says what differs in ours.
public struct ReferenceManifest {
    public struct Tensor { public let dtype: String; public let shape: [Int]; public let sha256: String }
    public let tensors: [String: Tensor]
    public let quantizationConfig: JSONValue

    public init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let root = try data.withUnsafeBytes { try JSONParser.parse($0) }
        var tensors: [String: Tensor] = [:]
        for (name, entry) in root["tensors"]?.objectValue?.members ?? [] {
            tensors[name] = Tensor(dtype: entry["dtype"]?.stringValue ?? "", shape: entry["shape"]?.arrayValue?.compactMap { $0.integerValue.map(Int.init) } ?? [],
                                   sha256: entry["sha256"]?.stringValue ?? "")
        }
        self.tensors = tensors
        quantizationConfig = root["quantization_config"] ?? .null
    }

    /// Differences between the checkpoint at `directory` and this manifest (empty when identical),
    /// after renaming `.a.` to `.b.` in our tensor names for each pair of `renames`. The config's
    /// `version` and `global_compression_ratio` are not compared, as stmanifest.py does not.
    public func differences(from directory: String, renames: [(String, String)] = []) throws -> [String] {
        let checkpoint = try Checkpoint(directory: directory)
        var ours: [String: Checkpoint.Tensor] = [:]
        for t in checkpoint.tensors {
            var name = t.name
            for (a, b) in renames { name = name.replacingOccurrences(of: ".\(a).", with: ".\(b).") }
            ours[name] = t
        }
        var problems: [String] = []
        for name in Set(tensors.keys).union(ours.keys).sorted() {
            guard let expected = tensors[name] else { problems.append("extra tensor \(name)"); continue }
            guard let mine = ours[name] else { problems.append("missing tensor \(name)"); continue }
            if mine.info.dtype.rawValue != expected.dtype || mine.info.shape != expected.shape {
                problems.append("\(name): \(mine.info.dtype.rawValue) \(mine.info.shape) != \(expected.dtype) \(expected.shape)")
            } else if SHA256.hex(checkpoint.data(mine)) != expected.sha256 {
                problems.append("\(name): bytes differ")
            }
        }
        let config = try ModelConfig(path: directory + "/config.json")
        if Self.normalized(config.json["quantization_config"] ?? .null) != Self.normalized(quantizationConfig) {
            problems.append("quantization_config differs: \(JSONWriter.compact(config.json["quantization_config"] ?? .null))")
        }
        return problems
    }

    private static func normalized(_ value: JSONValue) -> JSONValue {
        guard case var .object(o) = value else { return value }
        o["version"] = nil
        o["global_compression_ratio"] = nil
        return .object(o)
    }
}
