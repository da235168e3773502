import Checkpoint
import Foundation
import Testing
import TestSupport

/// Writing checkpoints: every dtype round-trips, shards split by size with an index, headers are
/// padded, and output folders appear only when complete.
@Suite struct CheckpointWriterTests {
    /// Deterministic bytes for a tensor.
    static func bytes(_ count: Int, seed: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7) } }

    @Test func everyDTypeRoundTrips() throws {
        let folder = TemporaryFolder()
        let tensors = DType.allCases.enumerated().map { i, d in OutputTensor(name: "t.\(d.rawValue)", dtype: d, shape: [2, 4]) }
        let writer = CheckpointWriter(directory: folder.path, plan: ShardPlan(tensors: tensors))
        for (i, t) in tensors.enumerated() {
            try writer.begin(t.name)
            try Self.bytes(t.byteCount, seed: i).withUnsafeBytes { try writer.append($0) }
        }
        try writer.finish()
        let file = try SafetensorsFile(path: folder.file("model.safetensors"))
        #expect(file.header.dataOffset % 8 == 0)
        #expect(file.header.metadata == ["format": "pt"])
        for (i, t) in tensors.enumerated() {
            let info = try #require(file.info(t.name))
            #expect(info.dtype == t.dtype && info.shape == t.shape)
            #expect(Array(file.data(info)) == Self.bytes(t.byteCount, seed: i))
        }
    }

    @Test func shardsBySizeAndWritesAnIndex() throws {
        let folder = TemporaryFolder()
        let tensors = (0..<5).map { OutputTensor(name: "w\($0)", dtype: .f32, shape: [10]) } // 40 bytes each
        let plan = ShardPlan(tensors: tensors, maxShardBytes: 100)
        #expect(plan.shards.map(\.count) == [2, 2, 1])
        let writer = CheckpointWriter(directory: folder.path, plan: plan)
        for (i, t) in tensors.enumerated() {
            try writer.begin(t.name)
            try Self.bytes(40, seed: i).withUnsafeBytes { try writer.append($0) }
        }
        try writer.finish()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                          "model-00003-of-00003.safetensors", "model.safetensors.index.json"])
        let checkpoint = try Checkpoint(directory: folder.path)
        #expect(checkpoint.tensors.map(\.name) == tensors.map(\.name))
        #expect(Array(checkpoint.data(checkpoint.tensor(named: "w4")!)) == Self.bytes(40, seed: 4))
        let index = try ShardIndex(path: folder.file(ShardIndex.fileName))
        #expect(index.totalSize == 200)
    }

    @Test func aTensorLargerThanTheLimitGetsItsOwnShard() {
        let tensors = [OutputTensor(name: "a", dtype: .u8, shape: [10]), OutputTensor(name: "big", dtype: .u8, shape: [500]),
                       OutputTensor(name: "c", dtype: .u8, shape: [10])]
        #expect(ShardPlan(tensors: tensors, maxShardBytes: 100).shards.map { $0.map(\.name) } == [["a"], ["big"], ["c"]])
    }

    @Test func refusesBytesOutOfPlan() throws {
        let folder = TemporaryFolder()
        let writer = CheckpointWriter(directory: folder.path, plan: ShardPlan(tensors: [OutputTensor(name: "a", dtype: .u8, shape: [2])]))
        #expect(throws: CheckpointError.self) { try writer.begin("b") }
        let short = CheckpointWriter(directory: folder.path, plan: ShardPlan(tensors: [OutputTensor(name: "a", dtype: .u8, shape: [2])]))
        try short.begin("a")
        try [UInt8(1)].withUnsafeBytes { try short.append($0) }
        #expect(throws: CheckpointError.writeOrderViolated(tensor: "a", reason: "1 bytes missing before the end")) { try short.finish() }
    }

    @Test func outputAppearsOnlyOnCommit() throws {
        let parent = TemporaryFolder()
        let destination = parent.file("out")
        let output = try OutputFolder(destination: destination, overwrite: false)
        try output.write(text: "{}", to: "config.json")
        #expect(!FileManager.default.fileExists(atPath: destination))
        #expect(output.workingPath.contains(OutputFolder.partialMarker))
        try output.commit()
        #expect(FileManager.default.fileExists(atPath: destination + "/config.json"))
        #expect(!FileManager.default.fileExists(atPath: output.workingPath))
    }

    @Test func anAbandonedOutputLeavesNothing() throws {
        let parent = TemporaryFolder()
        var output: OutputFolder? = try OutputFolder(destination: parent.file("out"), overwrite: false)
        try output!.write(text: "x", to: "model.safetensors")
        output = nil
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
    }

    @Test(arguments: [("5GB", 5_000_000_000), ("500MB", 500_000_000), ("2GiB", 2 << 30), ("1000", 1000), ("1.5 kb", 1500)])
    func parsesByteSizes(_ text: String, _ bytes: Int) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "GB", "-1GB", "0", "five", "1XB"])
    func refusesBadByteSizes(_ text: String) {
        #expect(ByteSize.parse(text) == nil)
    }
}
