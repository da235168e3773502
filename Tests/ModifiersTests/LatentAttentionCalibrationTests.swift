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
/// as keys and the rotated shared key as values), and GPTQ's codes. As in
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
        let reference = try Self.reference.get()
        let samples = try MixtureCalibrationTests.reference.get().samples
        let expected = try reference.values("\(model)/smoothquant/\(everyExpert ? "all" : "routed")", as: [Double].self)
        let folder = try MixtureCalibrationTests.compress(model, reference.recipe("smoothquant"), samples: samples, everyExpert: everyExpert, f32: true)
        let output = try TensorReader(directory: folder.file("out")), original = try TensorReader(directory: Fixtures.path("models/\(model)"))
        #expect(expected.count == 3)
        for (name, values) in expected {
            let ours = try output.floats(name)
            #expect(try ours != original.floats(name), "\(name) was not smoothed")
            #expect(ours.count == values.count)
            for (a, b) in zip(ours, values) { #expect(abs(Double(a) - b) <= 0.01 * abs(b), "\(name): \(a) vs llm-compressor's \(b)") }
        }
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
        let reference = try Self.reference.get()
        let samples = try MixtureCalibrationTests.reference.get().samples
        let theirs = try SafetensorsFile(path: Fixtures.path("deepseek-v3-calibration/deepseek_v3-gptq-\(everyExpert ? "all" : "routed").safetensors"))
        let folder = try MixtureCalibrationTests.compress("deepseek_v3", reference.recipe("gptq"), samples: samples, everyExpert: everyExpert, f32: true)
        let output = try TensorReader(directory: folder.file("out"))
        var equal = 0, total = 0
        for info in theirs.tensors {
            let tensor = try #require(output.checkpoint.tensors.first { $0.name == info.name }, "\(info.name) missing")
            let a = MixtureCalibrationTests.codes(output.checkpoint.data(tensor)), b = MixtureCalibrationTests.codes(theirs.data(info))
            #expect(a.count == b.count, "\(info.name)")
            equal += zip(a, b).filter { $0 == $1 }.count
            total += b.count
        }
        #expect(theirs.tensors.contains { $0.name.hasSuffix("q_b_proj.weight_packed") })
        #expect(Double(equal) >= 0.99 * Double(total), "\(equal) of \(total) codes equal llm-compressor's")
    }
}
