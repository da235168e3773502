import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Runtime
import Testing
import TestSupport

/// SmoothQuant and AWQ on one block of the calibration test model, against llm-compressor 0.14 on
/// the same token ids (`Tests/Fixtures/calibration-reference.json`, made by
/// `scripts/make-calibration-reference.py`): the smoothed norms, and the function of the block.
@Suite struct SmoothingTests {
    /// The first smoothing step of `yaml`, with the mappings llm-compressor infers for a Llama.
    static func step(_ yaml: String) throws -> CalibrationProgram.Smoothing {
        let recipe = try Recipe.parse(yaml: yaml, file: "recipe.yaml").initialized(for: ModelDefaults(className: "LlamaForCausalLM"))
        return try CalibrationProgram.make(recipe: recipe, recipeFile: "recipe.yaml").1.smoothing[0].step
    }

    static func pipeline(_ recipe: String, program: CalibrationProgram) throws -> SequentialPipeline {
        let plan = try OneshotPlan(model: StaticActivationTests.model, recipe: Recipe.parse(yaml: recipe, file: "recipe.yaml"))
        return try SequentialPipeline(plan: plan, program: program, threads: 2)
    }

    static let source = SourcePosition(file: "recipe.yaml", line: 1, column: 1)
    static let w8a8 = "QuantizationModifier:\n  targets: [Linear]\n  scheme: W8A8\n  ignore: [lm_head]\n"
    static let w4a16Asym = """
        QuantizationModifier:
          ignore: [lm_head]
          config_groups:
            group_0:
              targets: [Linear]
              weights: {num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 32}
        """

    /// Block 0's entries, the embedded samples and the smoothed block's replacements.
    static func smoothBlockZero(_ pipeline: SequentialPipeline, _ step: CalibrationProgram.Smoothing) throws
        -> (hidden: [[Float]], replacements: [String: [Float]]) {
        let reference = try StaticActivationTests.Reference()
        let hidden = try pipeline.model.embed(samples: reference.samples)
        let entries = pipeline.layout.blocks[0].map { pipeline.plan.quantization.entries[$0] }
        var replacements: [String: [Float]] = [:]
        switch step {
        case let .smoothQuant(s): try pipeline.smooth(s, block: 0, entries: entries, hidden: hidden, replacements: &replacements)
        case let .awq(a): try pipeline.balance(a, block: 0, entries: entries, hidden: hidden, replacements: &replacements)
        }
        return (hidden, replacements)
    }

    /// The largest difference between block 0's outputs with and without `replacements`, relative
    /// to the largest output.
    static func functionChange(_ pipeline: SequentialPipeline, hidden: [[Float]], _ replacements: [String: [Float]]) throws -> Float {
        let before = try pipeline.loadBlock(0, [:])
        let after = try pipeline.loadBlock(0, replacements)
        var worst: Float = 0, peak: Float = 0
        var a = hidden, b = hidden
        try pipeline.run(before, &a, tap: nil)
        try pipeline.run(after, &b, tap: nil)
        for (x, y) in zip(a, b) {
            for i in x.indices { worst = max(worst, abs(x[i] - y[i])); peak = max(peak, abs(x[i])) }
        }
        return worst / peak
    }

    static func stats(_ values: [Float]) -> (meanAbs: Float, maxAbs: Float) {
        (values.reduce(0) { $0 + abs($1) } / Float(values.count), values.reduce(0) { max($0, abs($1)) })
    }

    static func referenceStats(_ recipe: String, _ tensor: String) throws -> (meanAbs: Float, maxAbs: Float) {
        let reference = try StaticActivationTests.Reference()
        let tensors = reference.recipes[recipe]!["tensors"] as! [String: [String: Any]]
        let record = try #require(tensors[tensor])
        return (Float(record["mean_abs"] as! Double), Float(record["max_abs"] as! Double))
    }

    @Test func smoothQuantMatchesLlmCompressorAndKeepsTheFunction() throws {
        let step = try Self.step("SmoothQuantModifier: {smoothing_strength: 0.8}\n" + Self.w8a8)
        let pipeline = try Self.pipeline(Self.w8a8, program: CalibrationProgram())
        let (hidden, replacements) = try Self.smoothBlockZero(pipeline, step)
        #expect(Set(replacements.keys) == [
            "model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight",
            "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.v_proj.weight",
            "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
        ])
        for norm in ["input_layernorm", "post_attention_layernorm"] {
            let name = "model.layers.0.\(norm).weight"
            let ours = Self.stats(replacements[name]!)
            let theirs = try Self.referenceStats("w8a8_smoothquant_gptq", name)
            #expect(abs(ours.meanAbs - theirs.meanAbs) <= 0.01 * theirs.meanAbs, "\(name) mean \(ours.meanAbs) vs \(theirs.meanAbs)")
            #expect(abs(ours.maxAbs - theirs.maxAbs) <= 0.01 * theirs.maxAbs, "\(name) max \(ours.maxAbs) vs \(theirs.maxAbs)")
        }
        // Smoothing moves scale between norms and weights: the block computes the same function,
        // up to the BF16 rounding of the smoothed weights.
        #expect(try Self.functionChange(pipeline, hidden: hidden, replacements) < 0.02)
    }

    @Test func awqMatchesLlmCompressorAndKeepsTheFunction() throws {
        let step = try Self.step("AWQModifier: {duo_scaling: true}\n" + Self.w4a16Asym)
        let pipeline = try Self.pipeline(Self.w4a16Asym, program: CalibrationProgram())
        let (hidden, replacements) = try Self.smoothBlockZero(pipeline, step)
        // v_proj → o_proj is skipped (2 KV heads for 4 query heads: widths differ), as in llm-compressor.
        #expect(replacements["model.layers.0.self_attn.o_proj.weight"] == nil)
        #expect(replacements["model.layers.0.mlp.down_proj.weight"] != nil)
        #expect(try Self.functionChange(pipeline, hidden: hidden, replacements) < 0.02)
        for norm in ["input_layernorm", "post_attention_layernorm"] {
            let name = "model.layers.0.\(norm).weight"
            let ours = Self.stats(replacements[name]!)
            let theirs = try Self.referenceStats("w4a16_awq", name)
            #expect(abs(ours.meanAbs - theirs.meanAbs) <= 0.05 * theirs.meanAbs, "\(name) mean \(ours.meanAbs) vs \(theirs.meanAbs)")
        }
    }

    @Test func awqGridFollowsDuoScaling() {
        let on = AWQ(mappings: [], duoScaling: .on, gridSize: 20, source: Self.source).grid
        #expect(on.count == 20 && on[0] == (0, false) && on[1] == (0, true) && on[19] == (1, true))
        let both = AWQ(mappings: [], duoScaling: .both, gridSize: 20, source: Self.source).grid
        #expect(both.count == 20 && both.filter(\.duo).count == 10)
        let off = AWQ(mappings: [], duoScaling: .off, gridSize: 5, source: Self.source).grid.map(\.ratio)
        #expect(off == [0, 0.25, 0.5, 0.75, 1])
    }

    @Test func smoothQuantRefusesAMappingWhoseNormDoesNotFeedItsLayers() throws {
        let step = SmoothQuant(strength: 0.5, mappings: [.init(balance: ["re:.*gate_proj"], smooth: "re:.*input_layernorm")], ignore: [], source: Self.source)
        let pipeline = try Self.pipeline(Self.w8a8, program: CalibrationProgram())
        #expect(throws: ModifierError.self) { _ = try Self.smoothBlockZero(pipeline, .smoothQuant(step)) }
    }
}
