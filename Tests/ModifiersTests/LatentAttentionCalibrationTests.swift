import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// Calibration of DeepSeek-V3 (latent attention, dense first block, routed and shared experts)
/// against llm-compressor 0.14 on the mixture references' token ids, in both
/// `moe_calibrate_all_experts` modes (`scripts/make-deepseek-v3-calibration-reference.py`):
/// static input scales of every projection (q_a_proj, q_b_proj or q_proj, kv_a_proj_with_mqa,
/// kv_b_proj, o_proj, the experts'), the KV cache's scales (transformers caches the normed latent
/// as keys and the rotated shared key as values), GPTQ's codes, and AWQ's smoothed norms and
/// codes (on the mappings llm-compressor gives DeepSeek-V2, the DeepSeek-V3 list without the
/// router, which llm-compressor's own DeepSeek-V3 list cannot run on dense first blocks). As in
/// ``MixtureCalibrationTests``, the fixtures are widened to f32 as llm-compressor ran them.
@Suite struct LatentAttentionCalibrationTests {
    struct Reference {
        let recipes: [String: String]
        let runs: [String: [String: Any]]

        init() throws {
            let json = try JSONSerialization.jsonObject(with: Fixtures.data("deepseek-v3-calibration/reference.json")) as! [String: Any]
            recipes = json["recipes"] as! [String: String]
            runs = json["runs"] as! [String: [String: Any]]
        }

        /// The scales (or, for SmoothQuant, the smoothed norms' values) of `run` (`MODEL/RECIPE/MODE`).
        func values<Value>(_ run: String, as _: Value.Type) throws -> [String: Value] { try #require(runs[run] as? [String: Value]) }

        func recipe(_ name: String) throws -> Recipe { try Recipe.parse(yaml: recipes[name]!, file: "\(name).yaml") }
    }

    static let reference = Result { try Reference() }

    @Test(arguments: ["deepseek_v3", "deepseek_v3_q_proj"], [true, false])
    func staticInputAndKeyValueScalesMatchLlmCompressor(model: String, everyExpert: Bool) throws {
        let reference = try Self.reference.get()
        let samples = try MixtureCalibrationTests.reference.get().samples
        let expected = try reference.values("\(model)/fp8_static_kv/\(everyExpert ? "all" : "routed")", as: Double.self)
        let folder = try MixtureCalibrationTests.compress(model, reference.recipe("fp8_static_kv"), samples: samples, everyExpert: everyExpert, f32: true)
        let output = try TensorReader(directory: folder.file("out"))
        let ours = output.names.filter { $0.hasSuffix("input_scale") || $0.hasSuffix("k_scale") || $0.hasSuffix("v_scale") }
        #expect(Set(ours) == Set(expected.keys))
        #expect(ours.contains { $0.hasSuffix("kv_b_proj.input_scale") } && ours.contains { $0.contains(".shared_experts.") })
        for (name, value) in expected {
            let scale = try output.floats(name)[0]
            #expect(abs(Double(scale) - value) <= 0.01 * value, "\(name): \(scale) vs llm-compressor's \(value)")
        }
    }

    /// llm-compressor's default SmoothQuant mapping for the class (input_layernorm into q_a_proj or
    /// q_proj and kv_a_proj_with_mqa), then W8A8: the smoothed norms.
    @Test(arguments: ["deepseek_v3", "deepseek_v3_q_proj"], [true, false])
    func smoothQuantSmoothsTheInputNormsAsLlmCompressor(model: String, everyExpert: Bool) throws {
        let norms = try Self.expectNormsSmoothedAsLlmCompressor("smoothquant", model: model, everyExpert: everyExpert, tolerance: 0.01)
        #expect(norms.count == 3)
    }

    /// Runs reference recipe `recipe` on `model` and checks every norm llm-compressor smoothed:
    /// changed from the fixture, each value within `tolerance` of llm-compressor's, relatively.
    /// Returns the norms' names.
    static func expectNormsSmoothedAsLlmCompressor(_ recipe: String, model: String, everyExpert: Bool, tolerance: Double) throws -> [String] {
        let reference = try Self.reference.get()
        let samples = try MixtureCalibrationTests.reference.get().samples
        let expected = try reference.values("\(model)/\(recipe)/\(everyExpert ? "all" : "routed")", as: [Double].self)
        let folder = try MixtureCalibrationTests.compress(model, reference.recipe(recipe), samples: samples, everyExpert: everyExpert, f32: true)
        let output = try TensorReader(directory: folder.file("out")), original = try TensorReader(directory: Fixtures.path("models/\(model)"))
        for (name, values) in expected.sorted(by: { $0.key < $1.key }) {
            let ours = try output.floats(name)
            #expect(try ours != original.floats(name), "\(name) was not smoothed")
            #expect(ours.count == values.count)
            let off = zip(ours, values).filter { abs(Double($0) - $1) > tolerance * abs($1) }.count
            #expect(off == 0, "\(name): \(off) of \(values.count) values over \(tolerance) from llm-compressor's")
        }
        return Array(expected.keys)
    }

    /// transformers caches one latent shared by every head: there is no head to give a scale to.
    @Test func aPerHeadKeyValueCacheIsRefused() throws {
        let recipe = try Recipe.parse(yaml: """
            QuantizationModifier:
              ignore: [lm_head]
              scheme: FP8
              kv_cache_scheme: {num_bits: 8, type: float, strategy: attn_head, dynamic: false, symmetric: true}
            """, file: "attn_head.yaml")
        #expect {
            _ = try MixtureCalibrationTests.compress("deepseek_v3", recipe, samples: [[5, 6, 7, 8]], everyExpert: true)
        } throws: { error in
            "\(error)".contains("kv_cache_scheme") && "\(error)".contains("attn_head") && "\(error)".contains("latent attention")
        }
    }

    /// GPTQ's codes on every Linear layer: the latent attention's projections, the dense block's
    /// MLP, the routed and shared experts.
    @Test(arguments: [true, false])
    func gptqCodesMatchLlmCompressor(everyExpert: Bool) throws {
        let run = try Self.compressDeepSeekV3("gptq", everyExpert: everyExpert)
        let (equal, total) = try Self.equalCodes(run.ours, run.theirs)
        #expect(run.theirs.tensors.contains { $0.name.hasSuffix("q_b_proj.weight_packed") })
        #expect(Double(equal) >= 0.99 * Double(total), "\(equal) of \(total) codes equal llm-compressor's")
    }

    /// AWQ W4A16 with MLA's mappings (input_layernorm, q_a_layernorm into q_b_proj and
    /// kv_a_layernorm into kv_b_proj, post_attention_layernorm into the dense, routed and shared
    /// gate and up projections, each up_proj into its down_proj): every smoothed norm, each
    /// value within 1e-5 of llm-compressor's, relatively (both search the same grid in f32).
    @Test(arguments: ["deepseek_v3", "deepseek_v3_q_proj"], [true, false])
    func awqSmoothsTheNormsAsLlmCompressor(model: String, everyExpert: Bool) throws {
        let norms = try Self.expectNormsSmoothedAsLlmCompressor("awq", model: model, everyExpert: everyExpert, tolerance: 1e-5)
        #expect(norms.contains { $0.hasSuffix("kv_a_layernorm.weight") } && norms.contains { $0.hasSuffix("post_attention_layernorm.weight") })
        #expect(norms.contains { $0.hasSuffix("q_a_layernorm.weight") } == (model == "deepseek_v3"))
    }

    /// AWQ W4A16's codes (at least 99.9% equal) and scales (within 1e-5) on every Linear layer,
    /// latent attention's and the experts'.
    @Test(arguments: [true, false])
    func awqCodesMatchLlmCompressor(everyExpert: Bool) throws {
        let run = try Self.compressDeepSeekV3("awq", everyExpert: everyExpert)
        let (output, theirs) = (run.ours, run.theirs)
        let (equal, total) = try Self.equalCodes(output, theirs)
        for info in theirs.tensors where info.name.hasSuffix("weight_scale") {
            #expect(info.dtype == .f32, "\(info.name)")
            let ours = try output.floats(info.name), expected = Array(theirs.data(info)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            #expect(ours.count == expected.count, "\(info.name)")
            #expect(zip(ours, expected).allSatisfy { abs($0 - $1) <= 1e-5 * abs($1) }, "\(info.name)")
        }
        #expect(theirs.tensors.contains { $0.name.hasSuffix("kv_b_proj.weight_packed") })
        #expect(theirs.tensors.contains { $0.name.hasSuffix("experts.7.down_proj.weight_scale") })
        #expect(Double(equal) >= 0.999 * Double(total), "\(equal) of \(total) codes equal llm-compressor's")
    }

    /// Runs reference recipe `recipe` on the f32 deepseek_v3 fixture and opens llm-compressor's
    /// tensors of the same run (`deepseek_v3-RECIPE-MODE.safetensors`); `folder` holds ours.
    static func compressDeepSeekV3(_ recipe: String, everyExpert: Bool) throws -> (ours: TensorReader, theirs: SafetensorsFile, folder: TemporaryFolder) {
        let samples = try MixtureCalibrationTests.reference.get().samples
        let theirs = try SafetensorsFile(path: Fixtures.path("deepseek-v3-calibration/deepseek_v3-\(recipe)-\(everyExpert ? "all" : "routed").safetensors"))
        let folder = try MixtureCalibrationTests.compress("deepseek_v3", Self.reference.get().recipe(recipe), samples: samples, everyExpert: everyExpert, f32: true)
        return (try TensorReader(directory: folder.file("out")), theirs, folder)
    }

    /// How many of the 4-bit codes of `theirs`'s `weight_packed` tensors `output` has equal, of how many.
    static func equalCodes(_ output: TensorReader, _ theirs: SafetensorsFile) throws -> (equal: Int, total: Int) {
        var equal = 0, total = 0
        for info in theirs.tensors where info.name.hasSuffix("weight_packed") {
            let tensor = try #require(output.checkpoint.tensors.first { $0.name == info.name }, "\(info.name) missing")
            let a = MixtureCalibrationTests.codes(output.checkpoint.data(tensor)), b = MixtureCalibrationTests.codes(theirs.data(info))
            #expect(a.count == b.count, "\(info.name)")
            equal += zip(a, b).filter { $0 == $1 }.count
            total += b.count
        }
        return (equal, total)
    }

    /// With no mappings in the recipe, DeepSeek-V3 takes llm-compressor's list block by block: the
    /// sparse blocks' routers take their norm's scales, the dense block's norm is balanced with its
    /// MLP, the latent norms are smoothed, and the multi-token-prediction layer and the routers'
    /// score correction biases are written as they were.
    @Test func awqDefaultMappingsRunBlockByBlockAndLeaveThePredictionLayer() throws {
        // The reference recipe without its mappings.
        var recipe = try Self.reference.get().recipe("awq")
        for s in recipe.stages.indices {
            for m in recipe.stages[s].modifiers.indices {
                guard case var .awq(spec) = recipe.stages[s].modifiers[m] else { continue }
                spec.mappings = nil
                recipe.stages[s].modifiers[m] = .awq(spec)
            }
        }
        let folder = try MixtureCalibrationTests.expectRouterScaledWithItsNorm("deepseek_v3", recipe, router: "mlp.gate", blocks: 1..<3)
        let original = try TensorReader(directory: Fixtures.path("models/deepseek_v3"))
        let output = try TensorReader(directory: folder.file("out"))
        for norm in ["0.post_attention_layernorm", "0.self_attn.q_a_layernorm", "2.self_attn.kv_a_layernorm"] {
            let name = "model.layers.\(norm).weight"
            #expect(try original.floats(name) != output.floats(name), "\(name) was not smoothed")
        }
        let untouched = original.names.filter { $0.hasPrefix("model.layers.3.") || $0.hasSuffix("e_score_correction_bias") }
        #expect(untouched.contains("model.layers.3.mlp.gate.weight") && untouched.contains("model.layers.1.mlp.gate.e_score_correction_bias"))
        for name in untouched {
            let tensor = try #require(output.checkpoint.tensors.first { $0.name == name }, "\(name) missing")
            let source = try #require(original.checkpoint.tensors.first { $0.name == name })
            #expect(tensor.info.dtype == source.info.dtype, "\(name)")
            #expect(Array(output.checkpoint.data(tensor)) == Array(original.checkpoint.data(source)), "\(name) changed")
        }
    }
}
