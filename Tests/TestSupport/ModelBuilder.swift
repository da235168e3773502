import Checkpoint
import Foundation
import JSON

/// Writes small model folders (config.json + model.safetensors) for tests.
public struct ModelBuilder {
    public var config: [(String, JSONValue)]
    public var tensors: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])] = []

    public init(modelType: String, extraConfig: [(String, JSONValue)] = []) {
        config = [("architectures", .array([.string("X")])), ("model_type", .string(modelType))] + extraConfig
    }

    /// Adds a tensor of bf16 values.
    public mutating func bf16(_ name: String, _ shape: [Int], _ values: [Float]) {
        let bytes = values.flatMap { v -> [UInt8] in let b = BF16.bits(v); return [UInt8(b & 0xFF), UInt8(b >> 8)] }
        tensors.append((name, .bf16, shape, bytes))
    }

    /// Adds a tensor of `dtype` filled with small deterministic values.
    public mutating func filled(_ name: String, _ shape: [Int], dtype: DType = .bf16, seed: Int = 1) {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { i in Float((i &* 7919 &+ seed &* 104_729) % 2001 - 1000) / 16000 }
        switch dtype {
        case .bf16: bf16(name, shape, values)
        case .f16: tensors.append((name, .f16, shape, values.flatMap { v in let b = F16.bits(v); return [UInt8(b & 0xFF), UInt8(b >> 8)] }))
        case .f32: tensors.append((name, .f32, shape, values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }))
        default: tensors.append((name, dtype, shape, [UInt8](repeating: 0, count: dtype.byteCount(elements: count)!)))
        }
    }

    /// Writes the folder at `path` (created if needed).
    public func write(to path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data(JSONWriter.pretty(.object(JSONObject(config))).utf8).write(to: URL(fileURLWithPath: path + "/config.json"))
        let outputs = tensors.map { OutputTensor(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
        let writer = CheckpointWriter(directory: path, plan: ShardPlan(tensors: outputs))
        for t in tensors {
            try writer.begin(t.name)
            try t.bytes.withUnsafeBytes { try writer.append($0) }
        }
        try writer.finish()
    }

    /// A Llama-shaped model with `layers` layers of hidden size `hidden`.
    public static func llama(layers: Int = 1, hidden: Int = 32, tied: Bool = false, dtype: DType = .bf16, modelType: String = "llama") -> ModelBuilder {
        var b = ModelBuilder(modelType: modelType, extraConfig: [("tie_word_embeddings", .bool(tied))])
        b.filled("model.embed_tokens.weight", [64, hidden], dtype: dtype)
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            b.filled(p + "input_layernorm.weight", [hidden], dtype: dtype)
            for (i, m) in ["q_proj", "k_proj", "v_proj", "o_proj"].enumerated() { b.filled(p + "self_attn.\(m).weight", [hidden, hidden], dtype: dtype, seed: i + 2) }
            b.filled(p + "post_attention_layernorm.weight", [hidden], dtype: dtype)
            b.filled(p + "mlp.gate_proj.weight", [2 * hidden, hidden], dtype: dtype, seed: 7)
            b.filled(p + "mlp.up_proj.weight", [2 * hidden, hidden], dtype: dtype, seed: 8)
            b.filled(p + "mlp.down_proj.weight", [hidden, 2 * hidden], dtype: dtype, seed: 9)
        }
        b.filled("model.norm.weight", [hidden], dtype: dtype)
        if !tied { b.filled("lm_head.weight", [64, hidden], dtype: dtype) }
        return b
    }
}

extension ModelBuilder {
    /// Writes a copy of the single-shard checkpoint in `source` to `path`: config.json as it is,
    /// every tensor through `edit` (name, shape, bytes), for inputs that differ from a fixture in
    /// a few values; the tensors named in `retyping` are stored with that dtype instead (`edit`
    /// gives them bytes of its size).
    public static func writeCopy(of source: String, to path: String, retyping: [String: DType] = [:],
                                 editing edit: (String, [Int], inout [UInt8]) -> Void) throws {
        let checkpoint = try Checkpoint(directory: source)
        var builder = ModelBuilder(modelType: "")
        for tensor in checkpoint.tensors {
            var bytes = Array(checkpoint.data(tensor))
            edit(tensor.name, tensor.info.shape, &bytes)
            builder.tensors.append((tensor.name, retyping[tensor.name] ?? tensor.info.dtype, tensor.info.shape, bytes))
        }
        try builder.write(to: path)
        try FileManager.default.removeItem(atPath: path + "/config.json")
        try FileManager.default.copyItem(atPath: source + "/config.json", toPath: path + "/config.json")
    }

    /// Stores the bf16 bit pattern `bits` at `[row, column]` of a row-major tensor of `columns` columns.
    public static func setBF16(_ bytes: inout [UInt8], row: Int, column: Int, columns: Int, _ bits: UInt16) {
        bytes[2 * (row * columns + column)] = UInt8(bits & 0xFF)
        bytes[2 * (row * columns + column) + 1] = UInt8(bits >> 8)
    }
}
