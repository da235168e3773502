import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// Recipes with several quantizing modifiers, each on its own targets, and config groups written
/// in another order than the model's, against llm-compressor 0.14 (its default `independent`
/// pipeline: one pass per modifier, in recipe order), made by
/// `scripts/make-multi-modifier-references.py`: data-free ones byte for byte, calibrated ones on the
/// calibration test model (widened to f32, as llm-compressor ran it) with round-to-nearest layers
/// byte for byte, GPTQ's codes equal and static scales within 10⁻⁴.
@Suite struct MultiModifierTests {
    struct Reference {
        let samples: [[Int]]
        let recipes: [String: String]
        let runs: [String: [String: Any]]

        init() throws {
            let json = try JSONSerialization.jsonObject(with: Fixtures.data("multi-modifier/reference.json")) as! [String: Any]
            samples = json["samples"] as! [[Int]]
            recipes = json["recipes"] as! [String: String]
            runs = json["runs"] as! [String: [String: Any]]
        }

        func recipe(_ name: String) throws -> Recipe { try Recipe.parse(yaml: recipes[name]!, file: "\(name).yaml") }
        func tensors(_ name: String) throws -> SafetensorsFile { try SafetensorsFile(path: Fixtures.path("multi-modifier/\(name).safetensors")) }
    }

    static let reference = Result { try Reference() }

    /// Compresses `Tests/Fixtures/tiny-llama` with the reference's input recipe and compares every
    /// tensor, config.json and recipe.yaml with llm-compressor's.
    static func expectDataFreeReference(_ name: String) throws {
        let reference = Fixtures.path("references/tiny-llama--" + name)
        let folder = TemporaryFolder("multi-modifier")
        let recipe = try Recipe.load(path: reference + "/input-recipe.yaml")
        try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: recipe, output: folder.file("out"))
        let differences = try ReferenceManifest(path: reference + "/manifest.json").differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
        for file in ["config.json", "recipe.yaml"] {
            let ours = try Data(contentsOf: URL(fileURLWithPath: folder.file("out/" + file)))
            let theirs = try Data(contentsOf: URL(fileURLWithPath: reference + "/" + file))
            #expect(ours == theirs, "\(file)")
        }
    }

    @Test func nonUniformNVFP4AndFP8GroupsAreNamedInModelOrder() throws {
        // The FP8 group (down_proj) is written first, but q_proj comes first in the model: NVFP4 is group_0.
        try Self.expectDataFreeReference("NVFP4A16_FP8_MIXED")
    }

    @Test func twoQuantizationModifiersWithTheirOwnTargetsAndIgnore() throws {
        try Self.expectDataFreeReference("TWO_MODIFIERS")
    }

    /// Runs calibrated recipe `name` on the calibration model widened to f32.
    static func calibrate(_ name: String) throws -> (TemporaryFolder, TensorReader) {
        let reference = try Self.reference.get()
        let folder = TemporaryFolder("multi-modifier")
        let model = try MixtureCalibrationTests.widened("llama_calib", in: folder)
        try Compressor.run(model: model, recipe: reference.recipe(name), output: folder.file("out"),
                           options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: reference.samples)))
        return (folder, try TensorReader(directory: folder.file("out")))
    }

    /// Compares run `name` with llm-compressor's: its quantization_config exactly; tensors matching
    /// `exact`, and shapes, byte for byte; of the others, codes (4-bit packed weights and zero
    /// points, int8 and FP8 weights) equal on at least `codeAgreement` of them and f32 scales within 10⁻⁴, as static
    /// scales must be (both ran in f32), or within `scaleTolerance` of the tensor.
    static func expectCalibratedReference(_ name: String, exact: (String) -> Bool, codeAgreement: Double,
                                          scaleTolerance: (String) -> Float = { _ in 1e-4 }) throws {
        let reference = try Self.reference.get()
        let (folder, output) = try Self.calibrate(name)
        let run = reference.runs[name]!
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("out/config.json")))) as! [String: Any]
        #expect(NSDictionary(dictionary: config["quantization_config"] as! [String: Any]).isEqual(to: run["quantization_config"] as! [String: Any]))
        let theirs = try reference.tensors(name)
        var equalCodes = 0, codes = 0, exactTensors = 0
        for info in theirs.tensors {
            let tensor = try #require(output.checkpoint.tensors.first { $0.name == info.name }, "\(info.name) missing")
            #expect(tensor.info.dtype == info.dtype && tensor.info.shape == info.shape, "\(info.name)")
            let ours = output.checkpoint.data(tensor), expected = theirs.data(info)
            if exact(info.name) || ![.i32, .i8, .f8e4m3, .f32].contains(info.dtype) {
                #expect(ours.elementsEqual(expected), "\(info.name) differs from llm-compressor's")
                exactTensors += 1
            } else if info.dtype != .f32 {
                let a = info.dtype == .i32 ? MixtureCalibrationTests.codes(ours) : Array(ours)
                let b = info.dtype == .i32 ? MixtureCalibrationTests.codes(expected) : Array(expected)
                equalCodes += zip(a, b).filter { $0 == $1 }.count
                codes += b.count
            } else {
                let values = Array(expected.bindMemory(to: Float.self))
                let worst = zip(try output.floats(info.name), values).map { abs($0 - $1) / max(abs($1), .leastNormalMagnitude) }.max() ?? 0
                #expect(worst <= scaleTolerance(info.name), "\(info.name): values differ by up to \(worst) of llm-compressor's")
            }
        }
        #expect(exactTensors > 0)
        #expect(Double(equalCodes) >= codeAgreement * Double(codes), "\(equalCodes) of \(codes) codes equal llm-compressor's")
        let scales = run["scales"] as! [String: [Double]]
        for (scale, values) in scales {
            let ours = try output.floats(scale)
            #expect(ours.count == values.count, "\(scale)")
            for (x, y) in zip(ours, values) { #expect(abs(Double(x) - y) <= 1e-4 * abs(y), "\(scale): \(x) vs llm-compressor's \(y)") }
        }
    }

    static func attention(_ name: String) -> Bool { name.contains(".self_attn.") }

    @Test func roundToNearestAttentionAndGPTQMLP() throws {
        try Self.expectCalibratedReference("rtn_gptq", exact: Self.attention, codeAgreement: 0.99)
    }

    @Test func awqThenRoundToNearestAndGPTQ() throws {
        // AWQ searches attention's mappings with the round-to-nearest scheme, the MLP's with GPTQ's;
        // its smoothed f32 weights differ from llm-compressor's in their last bits, and so do scales.
        try Self.expectCalibratedReference("awq_rtn_gptq", exact: { _ in false }, codeAgreement: 0.99)
    }

    /// AWQ before symmetric groups: a group's largest magnitude sits on a rounding tie (±7.5
    /// steps), so a candidate's `W·s` must have llm-compressor's bits (float32 activation means
    /// summed as torch does, float64 scales with duo scaling) for the grid search to pick its
    /// scales. The first block's inputs are the same as llm-compressor's, so its codes agree but
    /// for a few; later blocks see hidden states through our runtime's float32 rounding, which
    /// can tip a near tie between two ratios (the second block's MLP mapping does here).
    @Test func awqThenSymmetricRoundToNearestFirstBlock() throws {
        let (_, output) = try Self.calibrate("awq_rtn_symmetric")
        let theirs = try Self.reference.get().tensors("awq_rtn_symmetric")
        let packed = theirs.tensors.filter { $0.name.hasPrefix("model.layers.0.") && $0.name.hasSuffix("weight_packed") }
        #expect(packed.count == 7)
        for info in packed {
            let tensor = try #require(output.checkpoint.tensors.first { $0.name == info.name })
            let a = MixtureCalibrationTests.codes(output.checkpoint.data(tensor)), b = MixtureCalibrationTests.codes(theirs.data(info))
            let equal = zip(a, b).filter { $0 == $1 }.count
            #expect(Double(equal) >= 0.999 * Double(b.count), "\(info.name): \(equal) of \(b.count) codes equal llm-compressor's")
        }
    }

    @Test func staticScalesAfterGPTQSeeTheBlocksGPTQQuantized() throws {
        // Attention's FP8 weights are data-free; its input scales come from a pass through the
        // MLP layers GPTQ quantized (the QuantizationModifier comes after the GPTQModifier).
        try Self.expectCalibratedReference("gptq_fp8_static", exact: { Self.attention($0) && !$0.hasSuffix("input_scale") }, codeAgreement: 0.99)
    }

    @Test func twoGPTQModifiers() throws {
        // The MLP's GPTQModifier runs after the attention's has quantized every attention layer:
        // its Hessians come from blocks whose attention is quantized.
        try Self.expectCalibratedReference("gptq_gptq", exact: { _ in false }, codeAgreement: 0.99)
    }

    @Test func gptqThenAWQThenRoundToNearest() throws {
        // examples/quantization_non_uniform/quantization_multiple_modifiers.py: GPTQ W8A8 on
        // attention, then AWQ on the MLP's two mappings, then W4A16 on the MLP. AWQ searches the
        // MLP on inputs through the attention GPTQ quantized (llm-compressor's default pipeline
        // runs AWQ's pass after GPTQ's), with the round-to-nearest modifier's scheme. Attention is
        // byte for byte llm-compressor's. W4A16 is symmetric: a candidate's loss hangs on rounding
        // ties (see awqThenSymmetricRoundToNearestFirstBlock), and in the second block, whose
        // inputs went through our float32 runtime, neighbouring ratios of the first mapping come
        // within 10⁻⁴ of each other (1.72804 and 1.72796·10⁻⁶ for 6/18 and 7/18): which one wins
        // follows the last bits of the forward pass (the kernels' summation order), and with the
        // other ratio block 1's gate and up scales differ by up to 7.2% and 2% of all codes (block
        // 1's MLP) differ, while every other scale stays within 10⁻⁶.
        try Self.expectCalibratedReference("gptq_awq_rtn", exact: Self.attention, codeAgreement: 0.97) { name in
            name.hasPrefix("model.layers.1.mlp.gate_proj.") || name.hasPrefix("model.layers.1.mlp.up_proj.") ? 0.1 : 1e-6
        }
    }

    @Test func awqWithFP8BlockWeights() throws {
        // examples/awq/fp8_block_llama_example.py (duo_scaling "both", FP8_BLOCK) on the MLP's
        // mappings: weight means normalized per 128×128 block, candidates fake-quantized per block.
        try Self.expectCalibratedReference("awq_fp8_block", exact: Self.attention, codeAgreement: 0.9999) { _ in 1e-6 }
    }

    @Test func awqAfterGPTQMayNotRescaleTheLayersGPTQQuantized() throws {
        // AWQ's default mappings smooth input_layernorm into q/k/v, which GPTQ quantized already.
        #expect {
            _ = try Self.plan("""
                quant_stage:
                  quant_modifiers:
                    GPTQModifier: {targets: ["re:.*self_attn.*"], scheme: W4A16}
                    AWQModifier: {}
                    QuantizationModifier: {targets: ["re:.*mlp.*"], scheme: W4A16}
                """)
        } throws: {
            "\($0)".hasPrefix("recipe.yaml:4:5: AWQModifier: the mapping of 'model.layers.0.input_layernorm.weight' would rescale 'model.layers.0.self_attn.k_proj.weight', which the GPTQModifier at recipe.yaml:3:5 quantizes before it")
        }
    }

    @Test func llmCompressorsNonUniformNVFP4AndFP8Recipe() throws {
        // Weights are data-free (byte for byte); NVFP4's input global scales are calibrated.
        try Self.expectCalibratedReference("nvfp4_fp8_e2e", exact: { !$0.hasSuffix("input_global_scale") }, codeAgreement: 1)
    }

    @Test func gptqWithoutASchemeSolvesTheQuantizationModifierBefore() throws {
        // llm-compressor's tests/…/compression/recipes/new_quant_group.yaml: the QuantizationModifier's
        // group as written (no activation ordering: GPTQ's default "static" is not applied to it).
        try Self.expectCalibratedReference("bare_gptq", exact: { _ in false }, codeAgreement: 0.999)
    }

    @Test func gptqWithoutASchemeLeavesEmbeddingsRoundedToNearest() throws {
        // new_quant_weight.yaml: GPTQ solves the Linear layers of an int8 group that targets
        // Embedding layers too; the embedding table is rounded to nearest, byte for byte.
        try Self.expectCalibratedReference("bare_gptq_embedding", exact: { $0.contains("embed_tokens") }, codeAgreement: 0.999)
    }

    @Test func gptqWithoutASchemeNeedsOneWeightOnlyModifierBefore() throws {
        #expect {
            _ = try Self.plan("quant_stage:\n  quant_modifiers:\n    GPTQModifier: {block_size: 64}\n")
        } throws: { "\($0)".contains("recipe.yaml:3:5: GPTQModifier: it has no scheme") }
        #expect {
            _ = try Self.plan("""
                quant_stage:
                  quant_modifiers:
                    QuantizationModifier: {targets: [Linear], ignore: [lm_head], scheme: FP8}
                    GPTQModifier: {block_size: 64}
                """)
        } throws: { "\($0)".contains("recipe.yaml:4:5: GPTQModifier: without a scheme of its own it would solve the layers of the QuantizationModifier at recipe.yaml:3:5, which calibrates activations") }
        #expect {
            _ = try Self.plan("""
                quant_stage:
                  mlp_modifiers:
                    QuantizationModifier: {targets: ["re:.*mlp.*"], scheme: W4A16}
                  attention_modifiers:
                    GPTQModifier: {targets: ["re:.*self_attn.*"], scheme: W8A16}
                  bare_modifiers:
                    GPTQModifier: {}
                """)
        } throws: { "\($0)".contains("recipe.yaml:7:5: GPTQModifier: without a scheme of its own it would solve the layers of every quantizing modifier before it") }
    }

    static func plan(_ yaml: String) throws -> OneshotPlan {
        try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: Recipe.parse(yaml: yaml, file: "recipe.yaml"), recipeFile: "recipe.yaml")
    }

    @Test func aModuleTwoModifiersMatchIsRefusedAtTheLaterModifier() throws {
        let yaml = """
            quant_stage:
              mlp_modifiers:
                GPTQModifier:
                  targets: ["re:.*mlp.*"]
                  scheme: W4A16
              all_modifiers:
                QuantizationModifier:
                  targets: [Linear]
                  ignore: [lm_head]
                  scheme: FP8_DYNAMIC
            """
        #expect {
            _ = try Self.plan(yaml)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("recipe.yaml:7:5: module 'model.layers.0.mlp.") && text.contains("recipe.yaml:3:5")
        }
    }

    @Test func twoKeyValueCacheSchemesAreRefused() throws {
        let kv = "kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}"
        let yaml = """
            quant_stage:
              a_modifiers:
                QuantizationModifier:
                  targets: ["re:.*mlp.*"]
                  scheme: FP8
                  \(kv)
              b_modifiers:
                QuantizationModifier:
                  targets: ["re:.*self_attn.*"]
                  scheme: FP8
                  \(kv)
            """
        #expect {
            _ = try Self.plan(yaml)
        } throws: { "\($0)".hasPrefix("recipe.yaml:8:5: kv_cache_scheme: the modifier at recipe.yaml:3:5") }
    }

    @Test func smoothingBetweenQuantizingModifiersIsRefused() throws {
        let yaml = """
            quant_stage:
              quant_modifiers:
                QuantizationModifier: {targets: ["re:.*self_attn.*"], scheme: W4A16}
                AWQModifier: {}
                GPTQModifier: {targets: ["re:.*mlp.*"], scheme: W4A16}
            """
        #expect {
            _ = try Self.plan(yaml)
        } throws: { "\($0)".hasPrefix("recipe.yaml:4:5: AWQModifier: smoothing modifiers must come before the round-to-nearest QuantizationModifier at recipe.yaml:3:5") }
    }

    @Test func passesFollowTheGPTQModifiers() {
        var program = CalibrationProgram()
        program.gptq = [nil, GPTQSettings(), nil, nil, GPTQSettings()]
        #expect(program.passes.map { $0.gptq?.modifier } == [nil, 1, 4])
        #expect(program.passes.map(\.observing) == [[0], [2, 3], []])
        program.gptq = [GPTQSettings(), nil]
        #expect(program.passes.map { $0.gptq?.modifier } == [0])
        let awq = CalibrationProgram.Smoothing.awq(AWQ(mappings: [], duoScaling: .on, gridSize: 20, source: SmoothingTests.source))
        program.smoothing = [(awq, 0)]
        #expect(program.passes.map { $0.gptq?.modifier } == [nil, 0])
        #expect(program.passes.map(\.smoothing.count) == [1, 0])
        // An AWQModifier after the GPTQModifier smooths in its pass, before the modifier after it observes.
        program.smoothing = [(awq, 1)]
        #expect(program.passes.map { $0.gptq?.modifier } == [0])
        #expect(program.passes.map(\.smoothing.count) == [1])
        #expect(program.passes.map(\.observing) == [[1]])
    }
}
