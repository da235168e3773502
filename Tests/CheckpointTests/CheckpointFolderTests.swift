import Checkpoint
import Foundation
import Testing
import TestSupport

/// Opening model folders: the real fixture, sharded folders with and without an index, and every
/// way an index can lie.
@Suite struct CheckpointFolderTests {
    typealias B = SafetensorsBuilder

    /// A one-tensor shard holding `name` (U8, 4 bytes).
    static func shard(_ name: String) -> [UInt8] { B.file(header: B.header([B.entry(name, "U8", [4], 0, 4)]), data: [1, 2, 3, 4]) }

    static func index(_ map: [(String, String)]) -> String {
        "{\"metadata\":{\"total_size\":8},\"weight_map\":{" + map.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}}"
    }

    @Test func readsTheTinyLlamaFixture() throws {
        let checkpoint = try Checkpoint(directory: Fixtures.path("tiny-llama"))
        #expect(checkpoint.config?.modelType == "llama")
        #expect(checkpoint.config?.architectures == ["LlamaForCausalLM"])
        #expect(checkpoint.tensors.count == 21)
        #expect(checkpoint.tensors.allSatisfy { $0.info.dtype == .bf16 })
        let q = try #require(checkpoint.tensor(named: "model.layers.1.self_attn.k_proj.weight"))
        #expect(q.info.shape == [128, 256])
        #expect(checkpoint.data(q).count == 128 * 256 * 2)
        #expect(checkpoint.totalBytes == 2_888_376 - 8 - 2224)
        #expect(checkpoint.auxiliaryFiles() == ["generation_config.json"])
    }

    @Test func configTextIsWrittenBackByteForByte() throws {
        let path = Fixtures.path("tiny-llama/config.json")
        let config = try ModelConfig(path: path)
        // transformers ends the file with a newline; the text is the JSON alone.
        #expect(config.text + "\n" == String(decoding: try Fixtures.data("tiny-llama/config.json"), as: UTF8.self))
    }

    @Test func readsShardsThroughTheIndex() throws {
        let folder = TemporaryFolder()
        try folder.write("a.safetensors", Self.shard("x"))
        try folder.write("b.safetensors", Self.shard("y"))
        try folder.write(ShardIndex.fileName, text: Self.index([("x", "a.safetensors"), ("y", "b.safetensors")]))
        let checkpoint = try Checkpoint(directory: folder.path)
        #expect(checkpoint.tensors.map(\.name) == ["x", "y"])
        #expect(checkpoint.indexPath != nil)
        #expect(Array(checkpoint.data(checkpoint.tensor(named: "y")!)) == [1, 2, 3, 4])
    }

    @Test func readsShardsWithoutAnIndex() throws {
        let folder = TemporaryFolder()
        try folder.write("m-2.safetensors", Self.shard("y"))
        try folder.write("m-1.safetensors", Self.shard("x"))
        let checkpoint = try Checkpoint(directory: folder.path)
        #expect(checkpoint.tensors.map(\.name) == ["x", "y"])
    }

    @Test func refusesATensorInTwoShards() throws {
        let folder = TemporaryFolder()
        try folder.write("m-1.safetensors", Self.shard("x"))
        let second = try folder.write("m-2.safetensors", Self.shard("x"))
        #expect(throws: CheckpointError.duplicateTensor(file: second, tensor: "x")) { try Checkpoint(directory: folder.path) }
    }

    @Test(arguments: ["../outside.safetensors", "/etc/passwd", "sub/../../x.safetensors"])
    func refusesShardNamesThatEscape(_ name: String) throws {
        let folder = TemporaryFolder()
        let index = try folder.write(ShardIndex.fileName, text: Self.index([("x", name)]))
        #expect(throws: CheckpointError.shardOutsideFolder(index: index, shard: name)) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesASymlinkPointingOutside() throws {
        let outside = TemporaryFolder()
        let target = try outside.write("real.safetensors", Self.shard("x"))
        let folder = TemporaryFolder()
        try FileManager.default.createSymbolicLink(atPath: folder.file("a.safetensors"), withDestinationPath: target)
        let index = try folder.write(ShardIndex.fileName, text: Self.index([("x", "a.safetensors")]))
        #expect(throws: CheckpointError.shardOutsideFolder(index: index, shard: "a.safetensors")) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesAMissingShard() throws {
        let folder = TemporaryFolder()
        let index = try folder.write(ShardIndex.fileName, text: Self.index([("x", "gone.safetensors")]))
        #expect(throws: CheckpointError.missingShard(index: index, shard: "gone.safetensors")) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesATensorTheShardDoesNotHold() throws {
        let folder = TemporaryFolder()
        try folder.write("a.safetensors", Self.shard("x"))
        let index = try folder.write(ShardIndex.fileName, text: Self.index([("x", "a.safetensors"), ("ghost", "a.safetensors")]))
        #expect(throws: CheckpointError.tensorNotInShard(index: index, tensor: "ghost", shard: "a.safetensors")) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesATensorMappedToTheWrongShard() throws {
        let folder = TemporaryFolder()
        try folder.write("a.safetensors", Self.shard("x"))
        try folder.write("b.safetensors", Self.shard("y"))
        let index = try folder.write(ShardIndex.fileName, text: Self.index([("x", "b.safetensors"), ("y", "a.safetensors")]))
        #expect(throws: CheckpointError.tensorNotInShard(index: index, tensor: "x", shard: "b.safetensors")) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesATensorTheIndexDoesNotName() throws {
        let folder = TemporaryFolder()
        let shard = try folder.write("a.safetensors", B.file(header: B.header([B.entry("x", "U8", [2], 0, 2), B.entry("y", "U8", [2], 2, 4)]), data: [1, 2, 3, 4]))
        try folder.write(ShardIndex.fileName, text: Self.index([("x", "a.safetensors")]))
        #expect(throws: CheckpointError.tensorNotInIndex(file: shard, tensor: "y")) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesAnIndexWithoutWeightMap() throws {
        let folder = TemporaryFolder()
        let index = try folder.write(ShardIndex.fileName, text: "{\"metadata\":{}}")
        #expect(throws: CheckpointError.invalidIndex(file: index, reason: "missing 'weight_map' object")) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesAnIndexThatIsNotJSON() throws {
        let folder = TemporaryFolder()
        let index = try folder.write(ShardIndex.fileName, text: "weights")
        #expect(throws: CheckpointError.self) { try Checkpoint(directory: folder.path) }
        do { _ = try Checkpoint(directory: folder.path) } catch {
            guard case let .invalidIndex(file, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(file == index)
        }
    }

    @Test func refusesAFolderWithoutWeights() throws {
        let folder = TemporaryFolder()
        try folder.write("config.json", text: "{}")
        #expect(throws: CheckpointError.noWeights(directory: folder.path)) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesAConfigThatIsNotAnObject() throws {
        let folder = TemporaryFolder()
        try folder.write("model.safetensors", Self.shard("x"))
        let config = try folder.write("config.json", text: "[1]")
        #expect(throws: CheckpointError.invalidConfig(file: config, reason: "not a JSON object")) { try Checkpoint(directory: folder.path) }
    }

    @Test func refusesAMissingFolder() {
        #expect(throws: CheckpointError.cannotOpen(path: "/nonexistent/model", reason: "no such directory")) {
            try Checkpoint(directory: "/nonexistent/model")
        }
    }
}
