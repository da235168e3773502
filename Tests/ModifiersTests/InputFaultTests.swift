import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// A shard that changes between planning and reading fails the run with one error naming it,
/// and leaves no output; one that is deleted is still read from its mapping.
@Suite struct InputFaultTests {
    static let recipe = try! Recipe.parse(yaml: "QuantizationModifier:\n  targets: [Linear]\n  ignore: [lm_head]\n  scheme: FP8_DYNAMIC\n",
                                          file: "recipe.yaml")

    /// A planned run over a two-layer model in `folder/in`, whose shard was last modified an hour ago.
    static func plan(in folder: TemporaryFolder) throws -> (OneshotPlan, shard: String) {
        try ModelBuilder.llama(layers: 2).write(to: folder.file("in"))
        let shard = folder.file("in/model.safetensors")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: shard)
        return (try OneshotPlan(model: folder.file("in"), recipe: recipe), shard)
    }

    @Test func aShardTruncatedAfterPlanningIsNamed() throws {
        let folder = TemporaryFolder("input-fault")
        let (plan, shard) = try Self.plan(in: folder)
        let size = try #require(FileManager.default.attributesOfItem(atPath: shard)[.size] as? Int)
        #expect(truncate(shard, 100) == 0)
        #expect(throws: ModifierError.checkpoint(.inputChanged(file: shard, reason: "its size went from \(size) to 100 bytes while it was being read"))) {
            try Compressor.run(plan, output: folder.file("out"), options: OneshotOptions(threads: 2))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["in"])
    }

    @Test func aShardRewrittenAfterPlanningIsNamed() throws {
        let folder = TemporaryFolder("input-fault")
        let (plan, shard) = try Self.plan(in: folder)
        let handle = try #require(FileHandle(forWritingAtPath: shard))
        try handle.seekToEnd()
        try handle.seek(toOffset: handle.offsetInFile - 2)
        try handle.write(contentsOf: [0, 0])
        try handle.close()
        #expect(throws: ModifierError.checkpoint(.inputChanged(file: shard, reason: "it was written to while it was being read"))) {
            try Compressor.run(plan, output: folder.file("out"), options: OneshotOptions(threads: 2))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["in"])
    }

    @Test func aShardDeletedAfterPlanningIsStillReadFromItsMapping() throws {
        let folder = TemporaryFolder("input-fault")
        let (plan, shard) = try Self.plan(in: folder)
        let expected = TemporaryFolder("input-fault-expected")
        try Compressor.run(model: folder.file("in"), recipe: Self.recipe, output: expected.file("out"))
        try FileManager.default.removeItem(atPath: shard)
        _ = try Compressor.run(plan, output: folder.file("out"), options: OneshotOptions(threads: 2))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("out/model.safetensors")))
                == Data(contentsOf: URL(fileURLWithPath: expected.file("out/model.safetensors"))))
    }
}
