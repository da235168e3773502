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
        guard case var .object(o) = in019Layout(value) else { return value }
        o["version"] = nil
        o["global_compression_ratio"] = nil
        return .object(o)
    }

    /// A compressed-tensors 0.20 quantization_config (`version` 0.20.x) in 0.19's form, which we
    /// write; others unchanged. 0.20 omits the quantization args' `actorder`, `block_structure`,
    /// `scale_dtype`, `observer` and `zp_dtype` when null and `observer_kwargs` when empty, and
    /// adds `moe_sparsity_config: null`. Only absent keys are filled in, so any value that differs
    /// still differs.
    public static func in019Layout(_ quantizationConfig: JSONValue) -> JSONValue {
        guard case var .object(config) = quantizationConfig, config["version"]?.stringValue?.hasPrefix("0.20") == true else {
            return quantizationConfig
        }
        if config["moe_sparsity_config"] == .null { config["moe_sparsity_config"] = nil }
        guard case var .object(groups) = config["config_groups"] ?? .null else { return .object(config) }
        for (name, group) in groups.members {
            guard case var .object(scheme) = group else { continue }
            for field in ["weights", "input_activations", "output_activations"] {
                guard case var .object(args) = scheme[field] ?? .null else { continue }
                for key in ["actorder", "block_structure", "scale_dtype", "observer", "zp_dtype"] where args[key] == nil { args.insertSorted(key, .null) }
                if args["observer_kwargs"] == nil { args.insertSorted("observer_kwargs", .object(JSONObject())) }
                scheme[field] = .object(args)
            }
            groups[name] = .object(scheme)
        }
        config["config_groups"] = .object(groups)
        return .object(config)
    }
}
