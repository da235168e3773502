import Checkpoint
import CompressedTensors
import Foundation
import Modifiers
import Recipes
@testable import Runtime
import Testing
import TestSupport

/// Key/value caches (`kv_cache_scheme`, `k_scale`/`v_scale`) run with keys and values rounded with
/// their layer's scales before attention reads them: FP8 as vLLM keeps them (E4M3), int8 as
/// compressed-tensors' KV cache hook fake-quantizes them.
@Suite struct KeyValueCacheTests {
    static let recipe = try! Recipe.load(path: Fixtures.repositoryRoot + "/recipes/fp8_kv_cache.yaml")
    static let samples = (0..<4).map { s in (0..<32).map { (s * 131 + $0 * 17) % 800 } }

    /// llama_calib compressed with FP8 weights, static activations and an FP8 KV cache.
    static func compressed() throws -> TemporaryFolder {
        let folder = TemporaryFolder("kv")
        try Compressor.run(model: Fixtures.path("models/llama_calib"), recipe: recipe, output: folder.file("out"),
                           options: OneshotOptions(calibration: CalibrationInput(samples: samples)))
        return folder
    }

    @Test func keysAndValuesAreRoundedWithTheirHeadsScales() {
        // One row [q (4) | k (2 heads × 2) | v (2 heads × 2)]; key scales per head, one value scale.
        let cache = KeyValueCacheQuantization(grid: .fp8, keyScales: [0.5, 0.01], valueScales: [2], heads: 2, headDim: 2)
        let original: [Float] = [0.3, 0.7, 1.1, 1.3, 100, 0.33, 10, -0.33, 0.37, 1000, -3, 0.37]
        var row = original
        row.withUnsafeMutableBufferPointer { cache.apply($0.baseAddress!, rows: 1, stride: 12, keyOffset: 4) }
        #expect(Array(row[0..<4]) == Array(original[0..<4]))
        let scales: [Float] = [0.5, 0.5, 0.01, 0.01, 2, 2, 2, 2]
        for i in 0..<8 {
            #expect(row[4 + i] == ActivationQuantization.roundedToFP8(original[4 + i] / scales[i]) * scales[i], "element \(i)")
        }
        #expect(row[4] == 96)  // 200 lies between E4M3's 192 and 208: ties to even, 192
        #expect(row[6] == 448 * Float(0.01))  // 1000 saturates at 448
        #expect(row[9] == 896)
    }

    @Test func aCalibratedCacheRoundsKeysAndValuesInEveryLayer() throws {
        let folder = try Self.compressed()
        let model = try DecoderModel(directory: folder.file("out"))
        let stored = try TensorReader(directory: folder.file("out"))
        for (l, layer) in model.layers.enumerated() {
            let cache = try #require(layer.keyValueCache, "layer \(l)")
            let expected = try stored.floats("model.layers.\(l).self_attn.k_scale")[0]
            guard case let .fixed(scale) = cache.keys.heads[0].scale else { Issue.record("layer \(l): not a fixed scale"); continue }
            #expect(scale == expected)
        }
        // The same weights with the cache kept in f32: logits move, but little.
        let distance = try model.relativeLogitDistance(to: model.changingLayers { $0.keyValueCache = nil }, tokens: Self.samples[0])
        #expect(distance > 0)
        #expect(distance < 0.05)
        _ = folder
    }

    @Test func int8KeysAndValuesRoundHalfToEvenAndClampWithTheirHeadsScales() {
        // One row [q (4) | k (2 heads × 2) | v (2 heads × 2)]; key scales per head, one value scale.
        let cache = KeyValueCacheQuantization(grid: .int8, keyScales: [0.5, 0.0625], valueScales: [2], heads: 2, headDim: 2)
        let original: [Float] = [0.3, 0.7, 0.1, 0.2, 1.25, 1.75, 100, -0.33, 5, -1000, 0.37, -3]
        var row = original
        row.withUnsafeMutableBufferPointer { cache.apply($0.baseAddress!, rows: 1, stride: 12, keyOffset: 4) }
        #expect(Array(row[0..<4]) == Array(original[0..<4]))
        let scales: [Float] = [0.5, 0.5, 0.0625, 0.0625, 2, 2, 2, 2]
        for i in 0..<8 {
            #expect(row[4 + i] == QueryQuantizationTests.fakeQuantized(original[4 + i], scale: scales[i], fp8: false), "element \(i)")
        }
        // 2.5 -> 2, 3.5 -> 4 and -1.5 -> -2 (ties to even); 1600 and -500 clamped to 127 and -128.
        #expect(Array(row[4..<12]) == [1, 2, 7.9375, -0.3125, 4, -256, 0, -4])
    }

    /// llama_calib compressed on the samples with a KV-cache-only recipe of `kv_cache_scheme` `scheme`.
    static func cacheOnly(_ scheme: String) throws -> TemporaryFolder {
        let yaml = "QuantizationModifier:\n  kv_cache_scheme: \(scheme)\n"
        let folder = TemporaryFolder("kv")
        try Compressor.run(model: Fixtures.path("models/llama_calib"), recipe: Recipe.parse(yaml: yaml, file: "kv-cache-only"),
                           output: folder.file("out"), options: OneshotOptions(calibration: CalibrationInput(samples: samples)))
        return folder
    }

    /// An int8 KV cache (symmetric, per tensor or per head) rounds every layer's keys and values to
    /// int8 with the stored scales; logits move a little from the f32 cache's.
    @Test(arguments: ["tensor", "attn_head"])
    func anInt8CacheRoundsKeysAndValuesToIntegersInEveryLayer(_ strategy: String) throws {
        let folder = try Self.cacheOnly("{num_bits: 8, type: int, symmetric: true, strategy: \(strategy), dynamic: false}")
        let model = try DecoderModel(directory: folder.file("out"))
        let stored = try TensorReader(directory: folder.file("out"))
        for (l, layer) in model.layers.enumerated() {
            let cache = try #require(layer.keyValueCache, "layer \(l)")
            #expect((cache.keys.heads + cache.values.heads).allSatisfy { $0.grid == .int8 })
            let scales = cache.values.heads.map { quantization -> Float? in
                guard case let .fixed(scale) = quantization.scale else { return nil }
                return scale
            }
            let expected = try stored.floats("model.layers.\(l).self_attn.v_scale")
            #expect(scales == (0..<scales.count).map { expected.count == 1 ? expected[0] : expected[$0] })
        }
        let distance = try model.relativeLogitDistance(to: model.changingLayers { $0.keyValueCache = nil }, tokens: Self.samples[0])
        #expect(distance > 0)
        #expect(distance < 0.05)
    }

    /// The FP8 KV cache output with its `kv_cache_scheme` in config.json changed by `edit` (nil removes it).
    static func editedCacheScheme(_ edit: (inout [String: Any]?) -> Void) throws -> TemporaryFolder {
        let folder = try Self.compressed()
        let configPath = folder.file("out/config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
        var quantization = config["quantization_config"] as! [String: Any]
        var scheme = quantization["kv_cache_scheme"] as? [String: Any]
        edit(&scheme)
        quantization["kv_cache_scheme"] = scheme
        config["quantization_config"] = quantization
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        return folder
    }

    /// An asymmetric FP8 cache does not run here, and scales without a `kv_cache_scheme` have no
    /// type: such checkpoints are refused, naming the attention module.
    @Test(arguments: ["asymmetric 8-bit float KV cache", "without a kv_cache_scheme"])
    func aCacheThatCannotRunIsRefusedNamingTheAttention(_ reason: String) throws {
        let folder = try Self.editedCacheScheme { scheme in
            if reason.hasPrefix("without") { scheme = nil; return }
            scheme?["symmetric"] = false
        }
        #expect {
            _ = try DecoderModel(directory: folder.file("out"))
        } throws: { error in
            guard case let RuntimeError.unsupportedQuantization(module, message) = error else { return false }
            return module == "model.layers.0.self_attn" && message.contains(reason)
        }
    }

    /// An asymmetric int8 cache runs with its zero points (``AsymmetricKeyValueCacheTests``); one
    /// without them is refused naming the missing tensor.
    @Test func anAsymmetricInt8CacheWithoutZeroPointsIsRefusedNamingTheTensor() throws {
        let folder = try Self.editedCacheScheme { scheme in
            scheme?["type"] = "int"
            scheme?["symmetric"] = false
        }
        #expect {
            _ = try DecoderModel(directory: folder.file("out"))
        } throws: { error in
            guard case let RuntimeError.missingTensor(name) = error else { return false }
            return name == "model.layers.0.self_attn.k_zero_point"
        }
    }

    /// llama_calib compressed on the samples with recipe `name` of the calibrated references in
    /// `fixture` (`scripts/make-activation-forms-references.py`, `make-attention-references.py`).
    static func compressed(_ name: String, fixture: String = "activation-forms-reference.json") throws -> TemporaryFolder {
        let json = try JSONSerialization.jsonObject(with: Fixtures.data(fixture)) as! [String: Any]
        let yaml = ((json["recipes"] as! [String: Any])[name] as! [String: Any])["recipe"] as! String
        let folder = TemporaryFolder("kv")
        try Compressor.run(model: Fixtures.path("models/llama_calib"), recipe: Recipe.parse(yaml: yaml, file: name),
                           output: folder.file("out"), options: OneshotOptions(calibration: CalibrationInput(samples: samples)))
        return folder
    }

    /// A KV-cache-only recipe with one scale per KV head (`strategy: attn_head`) runs with each
    /// head's stored scale.
    @Test func aPerHeadCacheOnlyCheckpointRunsWithEachHeadsScale() throws {
        let folder = try Self.compressed("kv_cache_only_attn_head")
        let model = try DecoderModel(directory: folder.file("out"))
        let stored = try TensorReader(directory: folder.file("out"))
        for (l, layer) in model.layers.enumerated() {
            let cache = try #require(layer.keyValueCache, "layer \(l)")
            let expected = try stored.floats("model.layers.\(l).self_attn.v_scale")
            #expect(expected.count == 2 && expected[0] != expected[1])
            let scales = cache.values.heads.map { quantization -> Float? in
                guard case let .fixed(scale) = quantization.scale else { return nil }
                return scale
            }
            #expect(scales == expected)
        }
    }

    /// Attention quantization's output runs with its KV cache: each KV head's stored `k_scale` and
    /// `v_scale` round the cache (its `q_scale` rounds the queries: ``QueryQuantizationTests``).
    @Test func anAttentionQuantizedCheckpointRunsWithItsKeyValueScales() throws {
        let folder = try Self.compressed("attention_fp8_attn_head", fixture: "attention-reference.json")
        let model = try DecoderModel(directory: folder.file("out"))
        let stored = try TensorReader(directory: folder.file("out"))
        for (l, layer) in model.layers.enumerated() {
            let cache = try #require(layer.keyValueCache, "layer \(l)")
            let scales = cache.keys.heads.map { quantization -> Float? in
                guard case let .fixed(scale) = quantization.scale else { return nil }
                return scale
            }
            #expect(scales == (try stored.floats("model.layers.\(l).self_attn.k_scale")))
        }
        #expect(try model.forward(Self.samples[0], cache: model.makeCache()).values.allSatisfy(\.isFinite))
    }

    /// Static asymmetric int8 inputs run with their stored `input_zero_point`.
    @Test func asymmetricStaticInputsRunWithTheirZeroPoints() throws {
        let folder = try Self.compressed("int8_asymmetric_static_inputs")
        let model = try DecoderModel(directory: folder.file("out"))
        let checkpoint = try Checkpoint(directory: folder.file("out"))
        let output = try #require(model.layers[0].output as? CompressedLinear<Int8Weights>)
        let stored = try #require(checkpoint.tensors.first { $0.name == "model.layers.0.self_attn.o_proj.input_zero_point" })
        #expect(output.activations?.zeroPoint == Float(Int8(bitPattern: checkpoint.data(stored)[0])))
        #expect(model.layers.contains { ($0.output as? CompressedLinear<Int8Weights>)?.activations?.zeroPoint != 0 })
    }

    /// A zero point stored in another dtype than int8 is refused naming the tensor and its dtype.
    @Test func aZeroPointOfAnotherDTypeIsNamed() throws {
        let folder = try Self.compressed("int8_asymmetric_static_inputs")
        let name = "model.layers.0.self_attn.o_proj.input_zero_point"
        try ModelBuilder.writeCopy(of: folder.file("out"), to: folder.file("edited"), retyping: [name: .bf16]) { tensor, _, bytes in
            if tensor == name { bytes = [0, 0] }
        }
        #expect(throws: RuntimeError.unsupportedQuantization(
            module: "model.layers.0.self_attn.o_proj",
            reason: "'\(name)' has dtype BF16; compressed-tensors stores an int8 input zero point as I8")) {
            _ = try DecoderModel(directory: folder.file("edited"))
        }
    }
}
