import Checkpoint
import Foundation
import Testing
import TestSupport

/// The shards of a split run's parts: each shard in exactly one part, balanced by bytes, the same
/// in every process; a writer of some shards writes those files only, byte for byte as a writer
/// of all of them.
@Suite struct ShardAssignmentTests {
    /// One shard per size, each a single u8 tensor of that many bytes.
    static func plan(_ sizes: [Int]) -> ShardPlan {
        ShardPlan(tensors: sizes.enumerated().map { OutputTensor(name: "t\($0)", dtype: .u8, shape: [$1]) }, maxShardBytes: 1)
    }

    @Test func largestShardsFirstEachToTheLightestPart() {
        // 300 to part 0, 200 to part 1, then 100 to part 1 (200 < 300).
        #expect(ShardAssignment(plan: Self.plan([100, 300, 200]), count: 2).parts == [[1], [0, 2]])
        // Ties: equal shards in file order, equal loads to the lowest part.
        #expect(ShardAssignment(plan: Self.plan([50, 50, 50, 50]), count: 3).parts == [[0, 3], [1], [2]])
    }

    @Test(arguments: [1, 2, 3, 5, 8])
    func everyShardIsInOnePartAndTheLoadsDifferByAtMostTheLargestShard(count: Int) {
        let sizes = (0..<13).map { 1 + ($0 * 37) % 11 }
        let parts = ShardAssignment(plan: Self.plan(sizes), count: count).parts
        #expect(parts.count == count)
        #expect(parts.joined().sorted() == Array(sizes.indices))
        let loads = parts.map { $0.reduce(0) { $0 + sizes[$1] } }
        #expect(loads.max()! - loads.min()! <= sizes.max()!)
    }

    @Test func morePartsThanShardsLeaveSomeEmpty() {
        #expect(ShardAssignment(plan: Self.plan([10, 20]), count: 4).parts == [[1], [0], [], []])
    }

    @Test func aWriterOfSomeShardsWritesTheirFilesOnlyAsAWriterOfAll() throws {
        let all = TemporaryFolder(), some = TemporaryFolder()
        let tensors = (0..<4).map { OutputTensor(name: "w\($0)", dtype: .f32, shape: [10]) }
        let plan = ShardPlan(tensors: tensors, maxShardBytes: 80)
        let whole = CheckpointWriter(directory: all.path, plan: plan)
        let part = CheckpointWriter(directory: some.path, plan: plan, writing: [1])
        for (i, tensor) in tensors.enumerated() {
            let bytes = (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ i) }
            try whole.begin(tensor.name)
            try bytes.withUnsafeBytes { try whole.append($0) }
            if i == 0 {
                try part.skip(tensor.name)
            } else {
                try part.begin(tensor.name)
                try bytes.withUnsafeBytes { try part.append($0) }
            }
        }
        try whole.finish()
        try part.finish()
        #expect(try FileManager.default.contentsOfDirectory(atPath: some.path) == ["model-00002-of-00002.safetensors"])
        #expect(part.bytesWritten == 80)
        let name = "model-00002-of-00002.safetensors"
        #expect(FileManager.default.contents(atPath: some.file(name)) == FileManager.default.contents(atPath: all.file(name)))
        #expect(throws: CheckpointError.self) { try CheckpointWriter(directory: some.path, plan: plan, writing: [0]).skip("w0") }
    }
}
