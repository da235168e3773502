import Foundation
import Testing
import TestSupport
@testable import Verification

/// Without the original model, a quantized module missing altogether is told by its siblings, and
/// a quantized weight's parameters without the weight are named.
@Suite struct MissingModuleTests {
    typealias C = CorruptedCheckpointTests

    @Test func aModuleMissingFromOneBlockIsNamed() throws {
        let folder = TemporaryFolder("verify-missing")
        var checkpoint = try C.compressed("fp8_dynamic", in: folder)
        for parameter in ["weight", "weight_scale"] { checkpoint.remove("model.layers.1.mlp.down_proj.\(parameter)") }
        #expect(try C.problems(checkpoint, in: folder) == [
            "model.layers.1.mlp.down_proj: missing: the module holds no tensor, while its sibling 'model.layers.0.mlp.down_proj' is quantized by config group 'group_0'",
        ])
        // With the original, its comparison names the missing tensor instead.
        #expect(try C.problems(checkpoint, in: folder, against: C.model) == [
            "model.layers.1.mlp.down_proj.weight: in the original model, missing from the checkpoint",
        ])
    }

    @Test func aWeightScaleWithoutItsWeightIsNamed() throws {
        let folder = TemporaryFolder("verify-missing")
        var checkpoint = try C.compressed("w4a16_asym", in: folder)
        checkpoint.remove(C.module + ".weight_packed")
        #expect(try C.problems(checkpoint, in: folder) == [
            "\(C.module).weight: missing: module '\(C.module)' holds 'weight_scale' but no 'weight' or 'weight_packed'",
        ])
    }

    static let quantized = ["model.layers.0.mlp.down_proj": "group_0"]

    /// Siblings are instances of the same submodule below a decoder block, experts included.
    @Test func anExpertMissingAProjectionIsFound() {
        let modules = ["model.layers.0.mlp.experts.0.w1", "model.layers.0.mlp.experts.0.w2",
                       "model.layers.0.mlp.experts.1.w1", "model.layers.1.mlp.experts.0.w1", "model.layers.1.mlp.experts.0.w2"]
        let groups = Dictionary(uniqueKeysWithValues: modules.map { ($0, "group_0") })
        #expect(MissingModules.find(modules: modules, quantizedGroups: groups) == [
            MissingModules.Missing(module: "model.layers.0.mlp.experts.1.w2", sibling: "model.layers.0.mlp.experts.0.w2", group: "group_0"),
            MissingModules.Missing(module: "model.layers.1.mlp.experts.1", sibling: "model.layers.0.mlp.experts.1", group: "group_0"),
        ])
    }

    /// Blocks of different kinds are no siblings: a dense MLP beside a mixture of experts, a block
    /// whose attention is a no-op, unquantized norms that only some blocks have.
    @Test func blocksOfDifferentKindsAreNotReported() {
        let modules = [
            "model.layers.0.self_attn.q_proj", "model.layers.0.mlp.gate_proj", "model.layers.0.mlp.up_proj", "model.layers.0.mlp.down_proj",
            "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.q_norm", "model.layers.1.mlp.gate", "model.layers.1.mlp.experts.0.down_proj",
            "model.layers.2.mlp.gate_proj", "model.layers.2.mlp.up_proj", "model.layers.2.mlp.down_proj",
        ]
        let groups = Dictionary(uniqueKeysWithValues: modules.filter { !$0.hasSuffix("norm") && !$0.hasSuffix(".gate") }.map { ($0, "group_0") })
        #expect(MissingModules.find(modules: modules, quantizedGroups: groups) == [])
    }
}
