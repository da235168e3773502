import Foundation
import JSON

/// A model's config.json: read with every key kept in order, patched, and written back in the
/// form compressed-tensors writes when it adds a quantization_config (Python's `json.dump` with
/// a 2-space indent, ASCII only, no trailing newline).
public struct ModelConfig: Sendable, Equatable {
    public static let fileName = "config.json"
    public var json: JSONObject

    public init(json: JSONObject) { self.json = json }

    /// Reads `path`; a file that is not a JSON object is an error naming it.
    public init(path: String) throws(CheckpointError) {
        let file = try MappedFile(path: path)
        let value: JSONValue
        do { value = try JSONParser.parse(file.bytes) } catch {
            throw .invalidConfig(file: path, reason: error.description)
        }
        guard case let .object(object) = value else { throw .invalidConfig(file: path, reason: "not a JSON object") }
        json = object
    }

    /// `model_type`, e.g. "llama".
    public var modelType: String? { json["model_type"]?.stringValue }
    /// `architectures`, e.g. ["LlamaForCausalLM"].
    public var architectures: [String] { json["architectures"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    /// Whether `lm_head` shares the embedding's weight.
    public var tiesWordEmbeddings: Bool { json["tie_word_embeddings"]?.boolValue ?? false }
    /// The checkpoint's declared dtype (`dtype` in transformers 5, `torch_dtype` before).
    public var declaredDType: String? { (json["dtype"] ?? json["torch_dtype"])?.stringValue }

    /// The text of the file as compressed-tensors writes it.
    public var text: String { JSONWriter.pretty(.object(json)) }
}
