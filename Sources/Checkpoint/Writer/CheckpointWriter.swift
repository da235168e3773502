import JSON

/// Streams tensors into safetensors shards by a `ShardPlan`: the caller announces each tensor with
/// `begin(_:)` in plan order and appends its bytes in one or more chunks. Headers are written up
/// front (the plan knows every size), so memory holds no more than the chunk being appended.
///
/// A process of a split run writes some of the shards only (`writing`): the tensors of the others
/// are passed over with `skip(_:)`, or begun and appended to without being written.
public final class CheckpointWriter {
    public let directory: String
    public let plan: ShardPlan
    /// The shards whose files are written; nil: all of them, and the index.
    public let writing: Set<Int>?
    private var shardIndex = -1
    private var tensorIndex = -1
    private var sink: DirectFileSink?
    private var remaining = 0
    /// Bytes of tensor data written so far, over all shards.
    public private(set) var bytesWritten = 0

    /// Writes into `directory`, which must exist, the files of the shards in `writing` (nil: all
    /// of them and the index).
    public init(directory: String, plan: ShardPlan, writing: Set<Int>? = nil) {
        self.directory = directory
        self.plan = plan
        self.writing = writing
    }

    /// Starts the next tensor of the plan, which must be named `name`.
    public func begin(_ name: String) throws(CheckpointError) {
        try finishTensor(next: name)
        tensorIndex += 1
        while shardIndex < 0 || tensorIndex >= plan.shards[shardIndex].count {
            try closeShard()
            shardIndex += 1
            tensorIndex = 0
            guard shardIndex < plan.shards.count else {
                throw .writeOrderViolated(tensor: name, reason: "not in the shard plan")
            }
            try openShard()
        }
        let expected = plan.shards[shardIndex][tensorIndex]
        guard expected.name == name else {
            throw .writeOrderViolated(tensor: name, reason: "expected '\(expected.name)' next")
        }
        remaining = expected.byteCount
    }

    /// Passes over the next tensor of the plan, which must be named `name` and lie in a shard
    /// this writer does not write.
    public func skip(_ name: String) throws(CheckpointError) {
        try begin(name)
        guard !writesCurrentShard else {
            throw .writeOrderViolated(tensor: name, reason: "skipped in a shard this process writes")
        }
        remaining = 0
    }

    /// Appends bytes of the current tensor (dropped when its shard is not written here).
    public func append(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        guard shardIndex >= 0, bytes.count <= remaining else {
            throw .writeOrderViolated(tensor: currentName, reason: "more bytes than its shape holds")
        }
        remaining -= bytes.count
        guard let sink else { return }
        try sink.write(bytes)
        bytesWritten += bytes.count
    }

    /// Checks that every planned tensor was written, closes the last shard and writes the index.
    public func finish() throws(CheckpointError) {
        try finishTensor(next: nil)
        let lastShardDone = shardIndex == plan.shards.count - 1 && tensorIndex == plan.shards[shardIndex].count - 1
        let emptyPlan = plan.shards.count == 1 && plan.shards[0].isEmpty
        guard lastShardDone || emptyPlan else {
            throw .writeOrderViolated(tensor: currentName, reason: "checkpoint closed before every planned tensor was written")
        }
        if emptyPlan, sink == nil { shardIndex = 0; try openShard() }
        try closeShard()
        if writing == nil, let index = plan.indexText {
            let sink = try FileSink(path: directory + "/" + ShardIndex.fileName)
            try sink.write(Array(index.utf8))
            try sink.close()
        }
    }

    private var writesCurrentShard: Bool { writing?.contains(shardIndex) ?? true }

    private var currentName: String {
        guard shardIndex >= 0, shardIndex < plan.shards.count, tensorIndex >= 0, tensorIndex < plan.shards[shardIndex].count else { return "?" }
        return plan.shards[shardIndex][tensorIndex].name
    }

    private func finishTensor(next: String?) throws(CheckpointError) {
        guard remaining == 0 else {
            throw .writeOrderViolated(tensor: currentName, reason: "\(remaining) bytes missing before \(next.map { "'\($0)'" } ?? "the end")")
        }
    }

    private func openShard() throws(CheckpointError) {
        guard writesCurrentShard else { return }
        let sink = try DirectFileSink(path: directory + "/" + plan.fileName(shardIndex))
        try sink.write(Self.header(for: plan.shards[shardIndex]))
        self.sink = sink
    }

    private func closeShard() throws(CheckpointError) {
        try sink?.close()
        sink = nil
    }

    /// The 8-byte length and the JSON header, padded with spaces to a multiple of 8 bytes.
    static func header(for tensors: [OutputTensor]) -> [UInt8] {
        var members: [(String, JSONValue)] = [("__metadata__", .object(JSONObject([("format", .string("pt"))])))]
        var offset = 0
        for t in tensors {
            let entry = JSONObject([
                ("dtype", .string(t.dtype.rawValue)),
                ("shape", .array(t.shape.map { .integer(Int64($0)) })),
                ("data_offsets", .array([.integer(Int64(offset)), .integer(Int64(offset + t.byteCount))])),
            ])
            members.append((t.name, .object(entry)))
            offset += t.byteCount
        }
        var json = Array(JSONWriter.compact(.object(JSONObject(members))).utf8)
        json += Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        var length = UInt64(json.count).littleEndian
        return withUnsafeBytes(of: &length) { Array($0) } + json
    }
}
