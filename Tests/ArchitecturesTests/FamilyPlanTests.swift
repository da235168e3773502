import Architectures
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
    /// Linear layer of the block, experts and shared expert included, is quantized.
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
        let mixture = try #require(plan.quantization.architecture.layout.mixture)
        let routers = plan.quantization.entries.filter { $0.kind == .router }
        #expect(Set(routers.map(\.module)) == Set((0..<2).map { "model.layers.\($0).\(mixture.module).\(mixture.router)" }))
        #expect(routers.allSatisfy { $0.action == .copy })
        #expect(plan.quantization.ignore == routers.map(\.module) + ["lm_head"])
        let linear = plan.quantization.entries.filter { $0.kind == .linear && $0.tensor.name.hasSuffix(".weight") && $0.module != "lm_head" }
        #expect(linear.allSatisfy { $0.action != .copy })
        #expect(linear.contains { $0.module.hasSuffix(".\(mixture.experts).3.\(mixture.expert.output)") })
        if let shared = mixture.sharedExpert {
            #expect(linear.contains { $0.module.hasSuffix(".\(shared.gate)") })
        }
    }

    /// NVFP4's global scale is shared over the family's fused groups in every parent module that
    /// holds one: q/k/v in each attention, gate/up in each MLP, expert and shared expert (2 blocks
    /// of 4 experts each); Phi-3 stores its projections fused already.
    static let fusedGroupCounts = [
        "llama": 4, "mistral": 4, "qwen2": 4, "qwen3": 4, "gemma": 4, "gemma2": 4, "phi3": 0,
        "mixtral": 2 * (1 + 4), "qwen2_moe": 2 * (1 + 4 + 1), "qwen3_moe": 2 * (1 + 4),
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
