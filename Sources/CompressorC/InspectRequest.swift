import Foundation
import LLMCompressor

/// `llmc_inspect`: what a checkpoint holds, from config.json and the safetensors headers.
enum InspectRequest {
    static let keys: Set<String> = ["path"]

    /// `{model, architecture, model_type, files, parameters, bytes, quantization_config,
    /// tensors: [{name, dtype, shape, bytes, file}]}`; tensors in file order.
    static func run(_ json: UnsafePointer<CChar>?) throws(CABIError) -> JSONValue {
        let request = try RequestOptions(json, call: "inspect", keys: keys)
        let path = try request.requiredString("path")
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: path) } catch { throw .failed(error.description) }
        let files = checkpoint.shards.map { ($0.path as NSString).lastPathComponent }
        func integer(_ value: Int) -> JSONValue { .integer(Int64(value)) }
        let tensors: [JSONValue] = checkpoint.tensors.map { tensor in
            .object(JSONObject([("name", .string(tensor.name)), ("dtype", .string(tensor.info.dtype.rawValue)),
                                ("shape", .array(tensor.info.shape.map(integer))), ("bytes", integer(tensor.info.byteCount)),
                                ("file", .string(files[tensor.shard]))]))
        }
        return .object(JSONObject([
            ("model", .string(checkpoint.directory)),
            ("architecture", checkpoint.config?.architectures.first.map(JSONValue.string) ?? .null),
            ("model_type", checkpoint.config?.modelType.map(JSONValue.string) ?? .null),
            ("files", .array(files.map(JSONValue.string))),
            ("parameters", integer(checkpoint.tensors.reduce(0) { $0 + $1.info.elementCount })),
            ("bytes", integer(checkpoint.totalBytes)),
            ("quantization_config", checkpoint.config?.json["quantization_config"] ?? .null),
            ("tensors", .array(tensors)),
        ]))
    }
}
