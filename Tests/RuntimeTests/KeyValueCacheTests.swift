import Checkpoint
import CompressedTensors
import Foundation
import Modifiers
import Recipes
@testable import Runtime
import Testing
import TestSupport

/// FP8 key/value caches (`kv_cache_scheme`, `k_scale`/`v_scale`) run as vLLM keeps them: keys and
/// values rounded to E4M3 with their layer's scales before attention reads them.
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
        let cache = KeyValueCacheQuantization(keyScales: [0.5, 0.01], valueScales: [2], heads: 2, headDim: 2)
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

    @Test func anIntegerCacheIsRefusedNamingTheAttention() throws {
        let folder = try Self.compressed()
        let configPath = folder.file("out/config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
        var quantization = config["quantization_config"] as! [String: Any]
        var scheme = quantization["kv_cache_scheme"] as! [String: Any]
        scheme["type"] = "int"
        quantization["kv_cache_scheme"] = scheme
        config["quantization_config"] = quantization
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        #expect {
            _ = try DecoderModel(directory: folder.file("out"))
        } throws: { error in
            guard case let RuntimeError.unsupportedQuantization(module, reason) = error else { return false }
            return module == "model.layers.0.self_attn" && reason.contains("8-bit int KV cache")
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
}
