import Checkpoint
import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport

/// Which tensors get quantized and what the config's `ignore` lists, per architecture.
@Suite struct QuantizationPlanTests {
    static func plan(_ builder: ModelBuilder, _ recipe: String) throws -> OneshotPlan {
        let folder = TemporaryFolder("plan")
        try builder.write(to: folder.path)
        return try OneshotPlan(model: folder.path, recipe: try Recipe.parse(yaml: recipe, file: "r.yaml"))
    }

    static let fp8 = "QuantizationModifier:\n  targets: [Linear]\n  scheme: FP8_DYNAMIC\n  ignore: [lm_head]\n"

    static func quantized(_ plan: OneshotPlan) -> [String] {
        plan.quantization.entries.filter { $0.action != .copy }.map(\.tensor.name).sorted()
    }

    @Test func llamaQuantizesEveryLinearButLmHead() throws {
        let plan = try Self.plan(.llama(layers: 2), Self.fp8)
        #expect(Self.quantized(plan).count == 14)
        #expect(!Self.quantized(plan).contains("lm_head.weight"))
        #expect(plan.quantization.ignore == ["lm_head"])
        #expect(plan.outputs.contains(OutputTensor(name: "model.layers.1.mlp.down_proj.weight_scale", dtype: .bf16, shape: [32, 1])))
    }

    @Test func aTiedLmHeadStaysAbsentButIsIgnored() throws {
        let plan = try Self.plan(.llama(tied: true), Self.fp8)
        #expect(!plan.outputs.contains { $0.name.hasPrefix("lm_head") })
        #expect(plan.quantization.ignore == ["lm_head"])
    }

    @Test func mixtralRoutersStayUnquantizedAndAreListedInModelOrder() throws {
        var b = ModelBuilder(modelType: "mixtral")
        for l in [0, 1, 10, 2] {
            let p = "model.layers.\(l).block_sparse_moe."
            b.filled(p + "gate.weight", [4, 32])
            for e in 0..<2 { for w in ["w1", "w2", "w3"] { b.filled(p + "experts.\(e).\(w).weight", [32, 32]) } }
        }
        b.filled("lm_head.weight", [64, 32])
        let plan = try Self.plan(b, Self.fp8)
        #expect(plan.quantization.ignore == ["model.layers.0.block_sparse_moe.gate", "model.layers.1.block_sparse_moe.gate",
                                             "model.layers.2.block_sparse_moe.gate", "model.layers.10.block_sparse_moe.gate", "lm_head"])
        #expect(Self.quantized(plan).count == 4 * 6)
        #expect(Self.quantized(plan).allSatisfy { $0.contains(".experts.") })
        // On-disk names are kept: w1/w2/w3, not gate_proj/up_proj/down_proj.
        #expect(plan.outputs.contains { $0.name == "model.layers.0.block_sparse_moe.experts.1.w3.weight_scale" })
    }

    @Test func qwenMoeRouterIsNotQuantizedButItsProjectionsAre() throws {
        var b = ModelBuilder(modelType: "qwen2_moe")
        b.filled("model.layers.0.mlp.gate.weight", [4, 32])
        b.filled("model.layers.0.mlp.gate_proj.weight", [32, 32])
        b.filled("model.layers.0.mlp.experts.0.gate_proj.weight", [32, 32])
        let plan = try Self.plan(b, Self.fp8)
        #expect(Self.quantized(plan) == ["model.layers.0.mlp.experts.0.gate_proj.weight", "model.layers.0.mlp.gate_proj.weight"])
        #expect(plan.quantization.ignore == ["model.layers.0.mlp.gate"])
    }

    @Test func unknownArchitecturesFollowTheGenericRule() throws {
        var b = ModelBuilder(modelType: "brand_new")
        b.filled("transformer.wte.weight", [64, 32])
        b.filled("transformer.h.0.ln_1.weight", [32])
        b.filled("transformer.h.0.attn.c_attn.weight", [96, 32])
        b.filled("transformer.h.0.attn.c_attn.bias", [96])
        b.filled("transformer.h.0.final_norm.weight", [32, 32])
        let plan = try Self.plan(b, Self.fp8)
        #expect(Self.quantized(plan) == ["transformer.h.0.attn.c_attn.weight"])
        let bias = plan.quantization.entries.first { $0.tensor.name.hasSuffix("c_attn.bias") }
        #expect(bias?.action == .copy)
    }

    @Test func regexIgnoreIsAnchoredAtTheStartOnly() throws {
        let recipe = "QuantizationModifier:\n  targets: [Linear]\n  scheme: FP8_DYNAMIC\n  ignore: [lm_head, 're:.*down_proj', 're:mlp']\n"
        let plan = try Self.plan(.llama(layers: 2), recipe)
        #expect(Self.quantized(plan).count == 12)
        #expect(plan.quantization.ignore == ["model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj", "lm_head"])
    }

    @Test func attentionIsIgnoredInDefinitionOrder() throws {
        let recipe = "QuantizationModifier:\n  targets: [Linear]\n  scheme: FP8_DYNAMIC\n  ignore: ['re:.*self_attn.*', lm_head]\n"
        let plan = try Self.plan(.llama(layers: 1), recipe)
        #expect(plan.quantization.ignore == ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                                             "model.layers.0.self_attn.v_proj", "model.layers.0.self_attn.o_proj", "lm_head"])
    }

    @Test func theMostSpecificTargetPicksTheGroup() throws {
        let recipe = """
            QuantizationModifier:
              ignore: [lm_head]
              config_groups:
                everything:
                  targets: [Linear]
                  weights: {num_bits: 8, type: float, symmetric: true, strategy: channel, dynamic: false}
                down:
                  targets: ['re:.*down_proj']
                  weights: {num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: false}
                one:
                  targets: [model.layers.0.self_attn.q_proj]
                  weights: {num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: false}
            """
        let plan = try Self.plan(.llama(layers: 2), recipe)
        let groupOf = Dictionary(uniqueKeysWithValues: plan.quantization.entries.compactMap { e -> (String, Int)? in
            if case let .quantize(g) = e.action { return (e.module, g) }
            return nil
        })
        // Groups are numbered by their first module in model order, as compressed-tensors names
        // them: "one" (layers.0 q_proj), "everything" (layers.0 k_proj), "down".
        #expect(plan.quantization.groups.map(\.name) == ["one", "everything", "down"])
        #expect(groupOf["model.layers.1.mlp.down_proj"] == 2)
        #expect(groupOf["model.layers.0.self_attn.q_proj"] == 0)
        #expect(groupOf["model.layers.1.self_attn.q_proj"] == 1)
        #expect(groupOf.count == 14)
        #expect(plan.outputs.contains(OutputTensor(name: "model.layers.0.mlp.down_proj.weight_scale", dtype: .bf16, shape: [1])))
    }

    @Test(arguments: ["W4A16", "NVFP4A16", "MXFP4A16"])
    func partialGroupsAreRefusedWhenPlanning(_ scheme: String) throws {
        // Hidden size 40 is a whole number of neither 128-, 16- nor 32-column groups.
        let recipe = "QuantizationModifier:\n  targets: [Linear]\n  scheme: \(scheme)\n  ignore: [lm_head]\n"
        do {
            _ = try Self.plan(.llama(hidden: 40), recipe)
            Issue.record("\(scheme) accepted 40 columns")
        } catch let error as ModifierError {
            guard case let .unquantizableWeight(tensor, reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(tensor.hasPrefix("model.layers.0."))
            #expect(reason.contains("40 columns are not divisible by group_size"))
        }
    }

    @Test func aTargetOnANormIsRefused() throws {
        let recipe = "QuantizationModifier:\n  targets: ['re:.*norm']\n  scheme: FP8_DYNAMIC\n"
        #expect(throws: ModifierError.self) { try Self.plan(.llama(), recipe) }
    }

    @Test func staticActivationSchemesPlanTheirScales() throws {
        let recipe = "QuantizationModifier:\n  targets: [Linear]\n  scheme: FP8\n  ignore: [lm_head]\n  kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}\n"
        let plan = try Self.plan(.llama(), recipe)
        #expect(plan.requiresCalibration)
        let names = plan.outputs.map(\.name)
        #expect(names.contains("model.layers.0.self_attn.q_proj.input_scale"))
        #expect(names.contains("model.layers.0.self_attn.k_scale") && names.contains("model.layers.0.self_attn.v_scale"))
        #expect(!names.contains("lm_head.input_scale"))
        // Each scale follows its weight's outputs; the KV scales follow the attention's last tensor.
        let q = try #require(names.firstIndex(of: "model.layers.0.self_attn.q_proj.weight_scale"))
        #expect(names[q + 1] == "model.layers.0.self_attn.q_proj.input_scale")
    }

    /// Calibration modifiers plan like their quantization, and need calibration data.
    @Test(arguments: [
        "GPTQModifier:\n  scheme: W8A8\n  ignore: [lm_head]\n",
        "SmoothQuantModifier: {}\nQuantizationModifier:\n  scheme: W8A8\n",
        "AWQModifier: {}\nQuantizationModifier:\n  scheme: W8A8\n",
    ])
    func calibrationModifiersNeedCalibrationData(recipe: String) throws {
        let plan = try Self.plan(.llama(), recipe)
        #expect(plan.requiresCalibration)
        #expect(plan.quantization.quantizedCount > 0)
    }

    /// One modifier quantizes; smoothing modifiers come before it. Anything after it is refused,
    /// naming the modifier.
    @Test func aModifierAfterTheQuantizingOneIsRefused() throws {
        let recipe = "QuantizationModifier:\n  scheme: W8A8\nAWQModifier: {}\nGPTQModifier:\n  scheme: W4A16\n"
        do {
            _ = try Self.plan(.llama(), recipe)
            Issue.record("a modifier after the quantizing one was accepted")
        } catch let error as ModifierError {
            guard case .unsupportedModifier = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.hasPrefix("r.yaml:3:1: AWQModifier"), "\(error)")
        }
    }

    /// GPTQ runs on integer and float weights; an observer it cannot run is refused at the modifier.
    @Test func gptqPlansFloatFormatsAndRefusesAnMSEObserver() throws {
        for scheme in ["FP8_DYNAMIC", "FP8_BLOCK", "NVFP4A16", "NVFP4", "MXFP4A16", "MXFP8A16"] {
            let plan = try Self.plan(.llama(), "GPTQModifier:\n  scheme: \(scheme)\n  ignore: [lm_head]\n")
            #expect(plan.quantization.quantizedCount > 0, "\(scheme)")
        }
        let recipe = """
            # FP8 weights with an MSE observer
            GPTQModifier:
              ignore: [lm_head]
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8, type: float, symmetric: true, strategy: channel, observer: mse}
            """
        #expect(throws: ModifierError.unsupportedObserver(position: "r.yaml:2:1", group: "group_0", observer: "mse",
                                                           reason: "GPTQ computes its scales with min-max here (use memoryless_minmax)")) {
            try Self.plan(.llama(), recipe)
        }
    }

    @Test func aModelWithoutConfigIsRefused() throws {
        let folder = TemporaryFolder("plan")
        try ModelBuilder.llama().write(to: folder.path)
        try FileManager.default.removeItem(atPath: folder.file("config.json"))
        #expect(throws: ModifierError.missingConfig(directory: folder.path)) {
            try OneshotPlan(model: folder.path, recipe: try Recipe.parse(yaml: Self.fp8, file: "r.yaml"))
        }
    }

    /// compressed-tensors only warns of targets that match nothing; the output would then be the
    /// unquantized model under a quantization_config, so each such group is refused.
    @Test(arguments: [
        ("QuantizationModifier:\n  targets: [linear]\n  scheme: FP8_DYNAMIC\n", "group_0", ["linear"]),
        ("QuantizationModifier:\n  targets: [Linear]\n  ignore: [Linear]\n  scheme: FP8_DYNAMIC\n", "group_0", ["Linear"]),
        ("QuantizationModifier:\n  scheme: {FP8_DYNAMIC: [Linear], W8A8: [\"re:.*feed_forward.*\"]}\n", "group_1", ["re:.*feed_forward.*"]),
    ])
    func aConfigGroupThatQuantizesNothingIsRefused(recipe: String, group: String, targets: [String]) throws {
        #expect(throws: ModifierError.matchesNothing(position: "r.yaml:1:1", group: group, targets: targets)) {
            try Self.plan(.llama(), recipe)
        }
    }

    /// A group whose every target another group overrides quantizes nothing either.
    @Test func aGroupOverriddenByALaterOneIsRefused() throws {
        let recipe = "QuantizationModifier:\n  scheme: {FP8_DYNAMIC: [Linear], W8A8: [Linear]}\n"
        #expect(throws: ModifierError.matchesNothing(position: "r.yaml:1:1", group: "group_0", targets: ["Linear"])) {
            try Self.plan(.llama(), recipe)
        }
    }

    /// A weight with no columns or no rows would reach scale arithmetic that divides by them.
    @Test(arguments: [[32, 0], [0, 32]]) func anEmptyWeightIsRefusedByName(_ shape: [Int]) throws {
        var builder = ModelBuilder.llama()
        builder.filled("model.layers.0.mlp.extra_proj.weight", shape)
        #expect(throws: ModifierError.unquantizableWeight(
            tensor: "model.layers.0.mlp.extra_proj.weight",
            reason: "shape \(shape) is empty; a Linear weight to quantize has at least one row and one column")) {
            try Self.plan(builder, Self.fp8)
        }
    }
}
