import Architectures
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// What the planner makes of each family's fixture model with the facts its file declares.
@Suite struct FamilyPlanTests {
    static func plan(_ modelType: String, _ recipe: String) throws -> OneshotPlan {
        try OneshotPlan(model: Fixtures.path("models/\(modelType)"), recipe: try Recipe.parse(yaml: recipe, file: "r.yaml"))
    }

    /// Routers stay float and are listed in `ignore`, even under a target naming them; every other
    /// Linear layer of the block, experts and shared expert included, is quantized, except those
    /// of multi-token-prediction layers, which are listed in `ignore` too.
    @Test(arguments: ArchitectureRegistry.families.filter(\.isMixtureOfExperts).flatMap(\.modelTypes))
    func routersAreNeverQuantized(modelType: String) throws {
        let plan = try Self.plan(modelType, """
            QuantizationModifier:
              ignore: [lm_head]
              config_groups:
                group_0:
                  targets: [Linear, "re:.*gate$"]
                  weights: {num_bits: 8, type: float, symmetric: true, strategy: channel, dynamic: false}
            """)
        let layout = plan.quantization.architecture.layout
        let mixture = try #require(layout.mixture)
        let routers = plan.quantization.entries.filter { $0.kind == .router }
        let sparseBlocks = Set(plan.quantization.entries.filter { $0.module.contains(".\(mixture.experts).") }.compactMap { layout.block(of: $0.module) })
        #expect(Set(routers.map(\.module)) == Set(sparseBlocks.map { "\(layout.prefix(ofBlock: $0))\(mixture.module).\(mixture.router)" }))
        #expect(routers.allSatisfy { $0.action == .copy })
        let layerCount = try Self.layerCount(modelType)
        let linear = plan.quantization.entries.filter { $0.kind == .linear && $0.tensor.name.hasSuffix(".weight") && $0.module != "lm_head" }
        let prediction = linear.filter { layout.isPredictionModule($0.module, layerCount: layerCount) }.map(\.module)
        #expect(plan.quantization.ignore == (Set(routers.map(\.module)).union(prediction)).sorted { ModuleOrder.precedes($0, $1, in: plan.quantization.architecture) } + ["lm_head"])
        #expect(linear.allSatisfy { ($0.action == .copy) == prediction.contains($0.module) })
        #expect(linear.contains { $0.module.hasSuffix(".\(mixture.experts).3.\(mixture.expert.output)") })
        if let shared = mixture.sharedExpert {
            #expect(linear.contains { $0.module.hasSuffix(".\(shared.module).\(shared.projections.output)") })
            if let gate = shared.gate { #expect(linear.contains { $0.module.hasSuffix(".\(gate)") }) }
        }
    }

    /// config.json's `num_hidden_layers` of the fixture model of `modelType`.
    static func layerCount(_ modelType: String) throws -> Int {
        let config = try JSONSerialization.jsonObject(with: Fixtures.data("models/\(modelType)/config.json")) as? [String: Any]
        return try #require(config?["num_hidden_layers"] as? Int)
    }

    /// DeepSeek-V3's multi-token-prediction layer (`model.layers.3` after 3 decoder layers, as the
    /// real model's `model.layers.61`) is copied as it is and its Linear layers listed in `ignore`,
    /// while the latent attention's projections are quantized and its norms are not.
    @Test func deepseekKeepsItsPredictionLayerAndLatentNorms() throws {
        let plan = try Self.plan("deepseek_v3", "QuantizationModifier:\n  targets: [Linear]\n  scheme: NVFP4A16\n  ignore: [lm_head]\n")
        let entries = plan.quantization.entries
        let quantized = Set(entries.filter { $0.action != .copy }.map(\.module))
        #expect(!entries.filter { $0.module.hasPrefix("model.layers.3.") }.isEmpty)
        #expect(quantized.allSatisfy { !$0.hasPrefix("model.layers.3.") })
        for name in ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"] {
            #expect(quantized.contains("model.layers.1.self_attn.\(name)"))
        }
        for name in ["q_a_layernorm", "kv_a_layernorm"] {
            #expect(entries.filter { $0.module == "model.layers.1.self_attn.\(name)" }.map(\.kind) == [.norm])
        }
        #expect(entries.first { $0.tensor.name == "model.layers.1.mlp.gate.e_score_correction_bias" }?.kind == .router)
        let ignored = Set(plan.quantization.ignore)
        for name in ["eh_proj", "shared_head.head", "self_attn.kv_b_proj", "mlp.experts.0.up_proj", "mlp.shared_experts.down_proj", "mlp.gate"] {
            #expect(ignored.contains("model.layers.3.\(name)"), "\(name)")
        }
    }

    /// NVFP4's global scale is shared over the family's fused groups in every parent module that
    /// holds one: q/k/v in each attention, gate/up in each MLP, expert and shared expert (2 blocks
    /// of 4 experts each); Phi-3 stores its projections fused already.
    static let fusedGroupCounts = [
        "llama": 4, "mistral": 4, "qwen2": 4, "qwen3": 4, "gemma": 4, "gemma2": 4, "phi3": 0,
        "mixtral": 2 * (1 + 4), "qwen2_moe": 2 * (1 + 4 + 1), "qwen3_moe": 2 * (1 + 4),
        // A dense block (q_a/kv_a, gate/up), then 2 of 8 experts and a shared expert (and a
        // prediction layer, not quantized).
        "deepseek_v3": 2 + 2 * (1 + 8 + 1), "glm4_moe": 2 + 2 * (1 + 8 + 1),
    ]

    @Test(arguments: ArchitectureRegistry.families.flatMap(\.modelTypes))
    func fusedGroupsShareTheGlobalScale(modelType: String) throws {
        let plan = try Self.plan(modelType, "QuantizationModifier:\n  targets: [Linear]\n  scheme: NVFP4A16\n  ignore: [lm_head]\n")
        let groups = plan.fusedGroups.map { $0.map { QuantizationPlan.split(plan.quantization.entries[$0].module) } }
        #expect(groups.count == Self.fusedGroupCounts[modelType])
        for group in groups {
            #expect(Set(group.map(\.module)).count == 1)
            #expect(plan.quantization.architecture.fusedGroups.contains(group.map(\.parameter)))
        }
    }
}
