import JSON

/// How output tensors are split into shard files: in the given order, a new shard starting when
/// the next tensor would push the current one past the limit (a tensor larger than the limit gets
/// a shard of its own), as transformers shards. One shard is `model.safetensors`; several are
/// `model-0000i-of-0000n.safetensors` with an index.
public struct ShardPlan: Sendable {
    /// Default shard limit: 5 GB, as transformers' `max_shard_size`.
    public static let defaultMaxShardBytes = 5_000_000_000

    public let shards: [[OutputTensor]]

    public init(tensors: [OutputTensor], maxShardBytes: Int = defaultMaxShardBytes) {
        var shards: [[OutputTensor]] = []
        var current: [OutputTensor] = []
        var size = 0
        for tensor in tensors {
            if !current.isEmpty, size + tensor.byteCount > maxShardBytes {
                shards.append(current)
                current = []
                size = 0
            }
            current.append(tensor)
            size += tensor.byteCount
        }
        if !current.isEmpty || shards.isEmpty { shards.append(current) }
        self.shards = shards
    }

    /// The file name of shard `i`.
    public func fileName(_ i: Int) -> String {
        if shards.count == 1 { return "model.safetensors" }
        return "model-\(Self.pad5(i + 1))-of-\(Self.pad5(shards.count)).safetensors"
    }

    public var totalBytes: Int { shards.joined().reduce(0) { $0 + $1.byteCount } }

    /// The index transformers writes beside several shards, or nil for one.
    public func indexJSON() -> JSONValue? {
        guard shards.count > 1 else { return nil }
        var entries: [(String, JSONValue)] = []
        for (i, shard) in shards.enumerated() {
            for tensor in shard { entries.append((tensor.name, .string(fileName(i)))) }
        }
        entries.sort { $0.0 < $1.0 }
        return .object(JSONObject([
            ("metadata", .object(JSONObject([("total_size", .integer(Int64(totalBytes)))]))),
            ("weight_map", .object(JSONObject(entries))),
        ]))
    }

    private static func pad5(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 5 - s.count)) + s
    }
}
