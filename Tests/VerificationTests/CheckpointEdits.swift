import Checkpoint
import Foundation
import JSON
import TestSupport

/// A checkpoint folder's tensors and config.json, loaded to be changed and written back: how
/// the tests corrupt compressed checkpoints.
struct EditableCheckpoint {
    var tensors: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])]
    var config: JSONObject

    init(_ directory: String) throws {
        let checkpoint = try Checkpoint(directory: directory)
        tensors = checkpoint.tensors.map { ($0.name, $0.info.dtype, $0.info.shape, Array(checkpoint.data($0))) }
        config = try ModelConfig(path: directory + "/config.json").json
    }

    init(tensors: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])], config: JSONObject) {
        self.tensors = tensors
        self.config = config
    }

    /// The index of tensor `name`.
    func index(_ name: String) -> Int {
        guard let i = tensors.firstIndex(where: { $0.name == name }) else { fatalError("no tensor \(name) to edit") }
        return i
    }

    mutating func remove(_ name: String) { tensors.remove(at: index(name)) }

    /// The quantization_config's value at `path` (object keys), replaced.
    mutating func setQuantizationConfig(_ path: [String], _ value: JSONValue) {
        func set(_ object: inout JSONObject, _ path: ArraySlice<String>) {
            guard let key = path.first else { return }
            if path.count == 1 { object[key] = value; return }
            guard case var .object(inner)? = object[key] else { fatalError("no object at \(key)") }
            set(&inner, path.dropFirst())
            object[key] = .object(inner)
        }
        set(&config, ["quantization_config"] + path[...])
    }

    /// Writes the folder at `path`.
    func write(to path: String) throws {
        var builder = ModelBuilder(modelType: "")
        builder.tensors = tensors
        try builder.write(to: path)
        try Data(JSONWriter.pretty(.object(config)).utf8).write(to: URL(fileURLWithPath: path + "/config.json"))
    }
}

extension Array where Element == UInt8 {
    /// The little-endian bytes of bf16 values.
    static func bf16(_ values: [Float]) -> [UInt8] {
        values.flatMap { v -> [UInt8] in let b = BF16.bits(v); return [UInt8(b & 0xFF), UInt8(b >> 8)] }
    }
}
