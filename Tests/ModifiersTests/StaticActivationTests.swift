import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// Static activation scales and KV cache scales, calibrated layer by layer, against llm-compressor
/// 0.14 on the same token ids (`scripts/make-calibration-reference.py`). llm-compressor ran the
/// model in f32 and wrote f32 scales; we run in f32 too (`calibrationDType` float32: the model is
/// stored in bf16, which `auto` multiplies in bf16) and write scales in the weights' dtype (BF16),
/// so values agree to BF16 rounding plus float noise.
@Suite struct StaticActivationTests {
    static let model = Fixtures.path("models/llama_calib")

    struct Reference {
        let samples: [[Int]]
        let recipes: [String: [String: Any]]

        init() throws {
            let json = try JSONSerialization.jsonObject(with: Fixtures.data("calibration-reference.json")) as! [String: Any]
            samples = json["samples"] as! [[Int]]
            recipes = json["recipes"] as! [String: [String: Any]]
        }

        func recipe(_ name: String) throws -> Recipe {
            try Recipe.parse(yaml: recipes[name]!["recipe"] as! String, file: name)
        }

        /// The reference's single value of tensor `name` in recipe `recipe`.
        func value(_ recipe: String, _ name: String) -> Float? {
            let tensors = recipes[recipe]!["tensors"] as! [String: [String: Any]]
            return (tensors[name]?["values"] as? [Double])?.first.map(Float.init)
        }
    }

    /// Runs `recipe` on the calibration model in f32, as llm-compressor made the references.
    static func compress(_ recipe: Recipe, samples: [[Int]], threads: Int = 2) throws -> TemporaryFolder {
        let folder = TemporaryFolder("static")
        var options = OneshotOptions(threads: threads, calibration: CalibrationInput(samples: samples))
        options.calibrationDType = .float32
        try Compressor.run(model: model, recipe: recipe, output: folder.file("out"), options: options)
        return folder
    }

    @Test func fp8InputAndKeyValueScalesMatchLlmCompressor() throws {
        let reference = try Reference()
        let folder = try Self.compress(reference.recipe("fp8_static_kv"), samples: reference.samples)
        let output = try TensorReader(directory: folder.file("out"))
        var compared = 0
        for name in output.names where name.hasSuffix("input_scale") || name.hasSuffix("k_scale") || name.hasSuffix("v_scale") {
            let expected = try #require(reference.value("fp8_static_kv", name), "\(name) missing from the reference")
            let actual = try output.floats(name)[0]
            #expect(abs(actual - expected) <= 0.01 * expected, "\(name): \(actual) vs \(expected)")
            #expect(output.info(name)?.dtype == .bf16)
            compared += 1
        }
        // 7 input scales per block, k and v scales per block, 2 blocks.
        #expect(compared == 18)
    }

    @Test func writesTheQuantizationConfigWithTheKeyValueScheme() throws {
        let reference = try Reference()
        let folder = try Self.compress(reference.recipe("fp8_static_kv"), samples: reference.samples)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("out/config.json")))) as! [String: Any]
        let quantization = config["quantization_config"] as! [String: Any]
        let expected = (reference.recipes["fp8_static_kv"]!["quantization_config"] as! [String: Any])
        #expect(NSDictionary(dictionary: quantization).isEqual(to: expected))
    }

    @Test func resultDoesNotDependOnThreads() throws {
        let reference = try Reference()
        let recipe = try reference.recipe("fp8_static_kv")
        let one = try Self.compress(recipe, samples: reference.samples, threads: 1)
        let three = try Self.compress(recipe, samples: reference.samples, threads: 3)
        let a = try Data(contentsOf: URL(fileURLWithPath: one.file("out/model.safetensors")))
        let b = try Data(contentsOf: URL(fileURLWithPath: three.file("out/model.safetensors")))
        #expect(a == b)
    }

    @Test func refusesToRunWithoutCalibrationData() throws {
        let reference = try Reference()
        let folder = TemporaryFolder("static")
        #expect(throws: ModifierError.self) {
            try Compressor.run(model: Self.model, recipe: reference.recipe("fp8_static_kv"), output: folder.file("out"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test func observersFollowLlmCompressorRules() throws {
        var args = QuantizationArgs.fp8Activations(observer: "static_minmax")
        var extremes = try RangeObserver(args: args, what: "test")
        args.observer = nil
        var average = try RangeObserver(args: args, what: "test")
        args.observer = "memoryless_minmax"
        var last = try RangeObserver(args: args, what: "test")
        for (lo, hi) in [(-1, 2), (-3, 1), (-0.5, 0.25)] as [(Float, Float)] {
            extremes.observe(min: lo, max: hi)
            average.observe(min: lo, max: hi)
            last.observe(min: lo, max: hi)
        }
        #expect(extremes.largestMagnitude == 3)
        #expect(last.largestMagnitude == 0.5)
        // min: -1 → -1.02 → -1.02 + 0.01·(−0.5 + 1.02); max: 2 → 1.99 → 1.99 + 0.01·(0.25 − 1.99).
        #expect(abs(average.largestMagnitude - max(abs(-1.02 + 0.01 * (-0.5 + 1.02)), 1.99 + 0.01 * (0.25 - 1.99))) < 1e-6)
        args.observer = "imatrix_mse"
        #expect(throws: ModifierError.self) { try RangeObserver(args: args, what: "test") }
    }
}

extension QuantizationArgs {
    /// Static per-tensor FP8 activations with `observer`.
    static func fp8Activations(observer: String?) -> QuantizationArgs {
        var args = QuantizationArgs(numBits: 8, type: .float, symmetric: true, strategy: .tensor)
        args.observer = observer
        return args
    }
}
