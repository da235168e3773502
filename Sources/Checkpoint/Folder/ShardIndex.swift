import Foundation
import JSON

/// `model.safetensors.index.json`: which shard holds each tensor.
public struct ShardIndex: Sendable {
    public static let fileName = "model.safetensors.index.json"

    /// Tensor name → shard file name, in the index's order.
    public let weightMap: [(tensor: String, shard: String)]
    /// Shard file names in order of first appearance.
    public let shards: [String]
    public let totalSize: Int64?

    /// Reads and validates the index at `path`.
    public init(path: String) throws(CheckpointError) {
        let file = try MappedFile(path: path)
        try self.init(file: path, bytes: file.bytes)
    }

    /// Parses and validates the text of an index already in memory (`bytes`, UTF-8 JSON);
    /// `file` names it in errors.
    public init(file path: String, bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw .invalidIndex(file: path, reason: error.description)
        }
        guard case let .object(root) = json else { throw .invalidIndex(file: path, reason: "not a JSON object") }
        guard case let .object(map)? = root["weight_map"] else {
            throw .invalidIndex(file: path, reason: "missing 'weight_map' object")
        }
        var weightMap: [(String, String)] = []
        var shards: [String] = []
        var seen = Set<String>()
        for (tensor, value) in map.members {
            guard case let .string(shard) = value else {
                throw .invalidIndex(file: path, reason: "weight_map['\(tensor)'] is \(value.kindName), not a file name")
            }
            weightMap.append((tensor, shard))
            if seen.insert(shard).inserted { shards.append(shard) }
        }
        var total: Int64? = nil
        if case let .object(metadata)? = root["metadata"], let size = metadata["total_size"] {
            guard let bytes = size.numberValue, bytes >= 0, let exact = Int64(exactly: bytes) else {
                throw .invalidIndex(file: path, reason: "metadata.total_size \(JSONWriter.compact(size)) is not a byte count")
            }
            total = exact
        }
        self.weightMap = weightMap
        self.shards = shards
        self.totalSize = total
    }
}
