import Checkpoint
import Foundation
import JSON
import Modifiers
import Recipes
import Testing
import TestSupport
import Verification

/// Tensors that calibrated schemes add beside the weights, as compressed-tensors 0.19 stores
/// them: static activation scales (and asymmetric zero points), NVFP4's input global scale, KV
/// cache scales on attention modules; GPTQ's activation ordering adds nothing.
@Suite struct CalibratedLayoutTests {
    static let module = CorruptedCheckpointTests.module
    static let quantizedModules = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                   "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"].flatMap { m in (0..<2).map { "model.layers.\($0).\(m)" } }

    /// `checkpoint` with `parameter` (`dtype`, `shape`) added to every quantized module.
    static func adding(_ parameter: String, _ dtype: DType, _ shape: [Int], to checkpoint: EditableCheckpoint,
                       value: [UInt8]) -> EditableCheckpoint {
        var result = checkpoint
        for module in quantizedModules { result.tensors.append((module + "." + parameter, dtype, shape, value)) }
        return result
    }

    /// The group's `input_activations` with `changes` applied.
    static func inputActivations(_ checkpoint: EditableCheckpoint, _ changes: [(String, JSONValue)]) -> JSONValue {
        guard case var .object(args)? = checkpoint.config["quantization_config"]?["config_groups"]?["group_0"]?["input_activations"] else {
            return .null
        }
        for (key, value) in changes { args[key] = value }
        return .object(args)
    }

    /// Attention quantization's output (`scripts/make-attention-references.py`'s per-head recipe):
    /// q, k and v scales and zero points on each attention module verify, the attention group
    /// counting its modules, against the original model too.
    @Test func attentionQuantizationOutputsVerify() throws {
        let references = try JSONSerialization.jsonObject(with: Fixtures.data("attention-reference.json")) as! [String: Any]
        let yaml = ((references["recipes"] as! [String: Any])["attention_fp8_attn_head"] as! [String: Any])["recipe"] as! String
        let samples = (try JSONSerialization.jsonObject(with: Fixtures.data("calibration-reference.json")) as! [String: Any])["samples"] as! [[Int]]
        let folder = TemporaryFolder("verify-attention")
        let model = Fixtures.path("models/llama_calib")
        try Compressor.run(model: model, recipe: Recipe.parse(yaml: yaml, file: "attention"), output: folder.file("out"),
                           options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: samples)))
        for original in [nil, model] {
            let report = try Verifier.verify(checkpoint: folder.file("out"), against: original, options: VerificationOptions(threads: 2))
            #expect(report.problems.map(\.description) == [])
            #expect(report.groups.map(\.modules) == [2])
        }
    }

    /// compressed-tensors quantizes an attention module's states only for a target that matches it
    /// narrowly (`is_narrow_match`): `re:.*self_attn$` does, so its q, k and v scales are
    /// demanded; `re:.*self_attn.*` also matches the projections, so the group quantizes their
    /// inputs as Linear layers and no `q_scale` is demanded (k and v scales still follow
    /// `kv_cache_scheme`).
    @Test func onlyANarrowTargetDemandsQueryScales() throws {
        let references = try JSONSerialization.jsonObject(with: Fixtures.data("attention-reference.json")) as! [String: Any]
        let yaml = ((references["recipes"] as! [String: Any])["attention_fp8_attn_head"] as! [String: Any])["recipe"] as! String
        let samples = (try JSONSerialization.jsonObject(with: Fixtures.data("calibration-reference.json")) as! [String: Any])["samples"] as! [[Int]]
        let folder = TemporaryFolder("verify-attention")
        try Compressor.run(model: Fixtures.path("models/llama_calib"), recipe: Recipe.parse(yaml: yaml, file: "attention"), output: folder.file("out"),
                           options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: samples)))
        var narrow = try EditableCheckpoint(folder.file("out"))
        narrow.setQuantizationConfig(["config_groups", "group_0", "targets"], .array([.string("re:.*self_attn$")]))
        #expect(try CorruptedCheckpointTests.problems(narrow, in: folder) == [])
        var withoutQueryScales = narrow
        for layer in 0..<2 {
            withoutQueryScales.remove("model.layers.\(layer).self_attn.q_scale")
            withoutQueryScales.remove("model.layers.\(layer).self_attn.q_zero_point")
        }
        // The zero points of symmetric states are optional.
        #expect(try CorruptedCheckpointTests.problems(withoutQueryScales, in: folder) == [
            "model.layers.0.self_attn.q_scale: missing: config group 'group_0' (attention quantization) stores BF16 [4, 1, 1] here",
            "model.layers.1.self_attn.q_scale: missing: config group 'group_0' (attention quantization) stores BF16 [4, 1, 1] here",
        ])
        var broad = withoutQueryScales
        broad.setQuantizationConfig(["config_groups", "group_0", "targets"], .array([.string("re:.*self_attn.*")]))
        let problems = try CorruptedCheckpointTests.problems(broad, in: folder)
        #expect(!problems.contains { $0.contains("q_scale") || $0.contains("q_zero_point") || $0.contains("k_scale") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("model.layers.0.self_attn.q_proj.input_scale: missing: config group 'group_0'") }, "\(problems)")
    }

    @Test func staticInputScalesAreExpectedPerModule() throws {
        let folder = TemporaryFolder("verify-calibrated")
        var fp8 = try CorruptedCheckpointTests.compressed("fp8_dynamic", in: folder)
        fp8.setQuantizationConfig(["config_groups", "group_0", "input_activations"], Self.inputActivations(fp8, [
            ("dynamic", .bool(false)), ("strategy", .string("tensor")), ("observer", .string("static_minmax")),
        ]))
        #expect(try CorruptedCheckpointTests.problems(fp8, in: folder).count == 14)
        var calibrated = Self.adding("input_scale", .bf16, [1], to: fp8, value: .bf16([0.5]))
        #expect(try CorruptedCheckpointTests.problems(calibrated, in: folder) == [])
        calibrated.remove(Self.module + ".input_scale")
        #expect(try CorruptedCheckpointTests.problems(calibrated, in: folder) == [
            "\(Self.module).input_scale: missing: config group 'group_0' (float-quantized) stores BF16 [1] here",
        ])
    }

    @Test func asymmetricStaticInputsHaveZeroPoints() throws {
        let folder = TemporaryFolder("verify-calibrated")
        var w8a8 = try CorruptedCheckpointTests.compressed("w8a8", in: folder)
        w8a8.setQuantizationConfig(["config_groups", "group_0", "input_activations"], Self.inputActivations(w8a8, [
            ("dynamic", .bool(false)), ("strategy", .string("tensor")), ("observer", .string("minmax")), ("symmetric", .bool(false)),
        ]))
        let scaled = Self.adding("input_scale", .bf16, [1], to: w8a8, value: .bf16([0.5]))
        let problems = try CorruptedCheckpointTests.problems(scaled, in: folder)
        #expect(problems.count == 14)
        #expect(problems.contains("\(Self.module).input_zero_point: missing: config group 'group_0' (int-quantized) stores I8 [1] here"))
        let complete = Self.adding("input_zero_point", .i8, [1], to: scaled, value: [3])
        #expect(try CorruptedCheckpointTests.problems(complete, in: folder) == [])
    }

    @Test func nvfp4ActivationsHaveAnInputGlobalScale() throws {
        let folder = TemporaryFolder("verify-calibrated")
        var nvfp4 = try CorruptedCheckpointTests.compressed("nvfp4a16", in: folder)
        nvfp4.setQuantizationConfig(["config_groups", "group_0", "input_activations"], .object(JSONObject([
            ("num_bits", .integer(4)), ("type", .string("float")), ("strategy", .string("tensor_group")), ("group_size", .integer(16)),
            ("dynamic", .string("local")), ("observer", .string("static_minmax")), ("scale_dtype", .string("torch.float8_e4m3fn")),
        ])))
        let global = Self.adding("input_global_scale", .f32, [1], to: nvfp4, value: withUnsafeBytes(of: Float(448).bitPattern.littleEndian) { Array($0) })
        #expect(try CorruptedCheckpointTests.problems(global, in: folder) == [])
        var wrong = global
        wrong.tensors[wrong.index(Self.module + ".input_global_scale")].dtype = .bf16
        wrong.tensors[wrong.index(Self.module + ".input_global_scale")].bytes = .bf16([448])
        #expect(try CorruptedCheckpointTests.problems(wrong, in: folder) == [
            "\(Self.module).input_global_scale: dtype BF16, expected F32 (config group 'group_0' (nvfp4-pack-quantized))",
        ])
    }

    @Test func kvCacheScalesLiveOnAttentionModules() throws {
        let folder = TemporaryFolder("verify-calibrated")
        let fp8 = try CorruptedCheckpointTests.compressed("fp8_dynamic", in: folder)
        var scaled = fp8
        for layer in 0..<2 {
            for base in ["k", "v"] { scaled.tensors.append(("model.layers.\(layer).self_attn.\(base)_scale", .bf16, [1], .bf16([0.25]))) }
        }
        #expect(try CorruptedCheckpointTests.problems(scaled, in: folder) == [
            "model.layers.0.self_attn.k_scale: unexpected: no config group quantizes module 'model.layers.0.self_attn' (it is ignored or not targeted)",
            "model.layers.0.self_attn.v_scale: unexpected: no config group quantizes module 'model.layers.0.self_attn' (it is ignored or not targeted)",
            "model.layers.1.self_attn.k_scale: unexpected: no config group quantizes module 'model.layers.1.self_attn' (it is ignored or not targeted)",
            "model.layers.1.self_attn.v_scale: unexpected: no config group quantizes module 'model.layers.1.self_attn' (it is ignored or not targeted)",
        ])
        scaled.setQuantizationConfig(["kv_cache_scheme"], .object(JSONObject([
            ("num_bits", .integer(8)), ("type", .string("float")), ("strategy", .string("tensor")), ("dynamic", .bool(false)),
        ])))
        #expect(try CorruptedCheckpointTests.problems(scaled, in: folder) == [])
        scaled.remove("model.layers.1.self_attn.v_scale")
        #expect(try CorruptedCheckpointTests.problems(scaled, in: folder) == [
            "model.layers.1.self_attn.v_scale: missing: kv_cache_scheme stores BF16 [1] here",
        ])
        scaled.remove("model.layers.0.self_attn.k_scale")
        scaled.remove("model.layers.0.self_attn.v_scale")
        #expect(try CorruptedCheckpointTests.problems(scaled, in: folder) == [
            "model.layers.1.self_attn.v_scale: missing: kv_cache_scheme stores BF16 [1] here",
            "model.layers.0.self_attn.k_scale: missing: kv_cache_scheme stores BF16 [1] here",
            "model.layers.0.self_attn.v_scale: missing: kv_cache_scheme stores BF16 [1] here",
        ])
        scaled.setQuantizationConfig(["kv_cache_scheme", "strategy"], .string("attn_head"))
        let perHead = try CorruptedCheckpointTests.problems(scaled, in: folder)
        #expect(perHead.contains("model.layers.1.self_attn.k_scale: shape [1], expected [2, 1, 1] (kv_cache_scheme)"))
    }

    @Test func activationOrderingStoresNoGroupIndex() throws {
        let folder = TemporaryFolder("verify-calibrated")
        var w4a16 = try CorruptedCheckpointTests.compressed("w4a16", in: folder)
        w4a16.setQuantizationConfig(["config_groups", "group_0", "weights", "actorder"], .string("weight"))
        #expect(try CorruptedCheckpointTests.problems(w4a16, in: folder) == [])
        w4a16.tensors.append((Self.module + ".weight_g_idx", .i32, [256], [UInt8](repeating: 0, count: 1024)))
        #expect(try CorruptedCheckpointTests.problems(w4a16, in: folder) == [
            "\(Self.module).weight_g_idx: unexpected: config group 'group_0' (pack-quantized) stores no 'weight_g_idx' for module '\(Self.module)'",
        ])
        w4a16.setQuantizationConfig(["config_groups", "group_0", "weights", "actorder"], .string("group"))
        #expect(try CorruptedCheckpointTests.problems(w4a16, in: folder) == [
            "config.json: quantization_config: invalid quantization arguments: actorder 'group' was removed in compressed-tensors 0.19; use 'weight' (or 'static') or null",
        ])
    }
}

/// What `oneshot` writes with calibration data (static input scales, NVFP4's input global scale,
/// KV cache scales) passes verification, against the original too.
@Suite struct CalibratedOutputTests {
    static let model = Fixtures.path("models/llama_calib")

    static func samples() throws -> [[Int]] {
        let json = try JSONParser.parse(String(decoding: Fixtures.data("calibration-reference.json"), as: UTF8.self))
        return try #require(json["samples"]?.arrayValue?.map { $0.arrayValue?.compactMap { $0.integerValue.map(Int.init) } ?? [] })
    }

    @Test(arguments: [
        "QuantizationModifier: {ignore: [lm_head], scheme: FP8, kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}}",
        "QuantizationModifier: {ignore: [lm_head], scheme: NVFP4}",
    ])
    func calibratedOutputsPass(_ yaml: String) throws {
        let folder = TemporaryFolder("verify-calibrated")
        try Compressor.run(model: Self.model, recipe: Recipe.parse(yaml: yaml, file: "recipe.yaml"), output: folder.file("out"),
                           options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: Self.samples())))
        let report = try Verifier.verify(checkpoint: folder.file("out"), against: Self.model, options: VerificationOptions(threads: 2))
        #expect(report.problems.map(\.description) == [])
        let checkpoint = try Checkpoint(directory: folder.file("out"))
        let scales = checkpoint.tensors.filter { $0.name.hasSuffix("input_scale") || $0.name.hasSuffix("input_global_scale") || $0.name.hasSuffix("k_scale") }
        #expect(scales.count >= report.layers.count)
        #expect(report.identicalToOriginal == report.copiedTensors)
    }

    /// GPTQ changes only the quantized weights; SmoothQuant and AWQ fold scales into the norms
    /// before them too, which a comparison with the original then names.
    @Test(arguments: ["w4a16_gptq_g32", "w4a16_awq", "w8a8_smoothquant_gptq", "nvfp4a16_gptq", "nvfp4a16_awq"])
    func calibrationModifierOutputsPass(_ name: String) throws {
        let json = try JSONParser.parse(String(decoding: Fixtures.data("calibration-reference.json"), as: UTF8.self))
        let yaml = try #require(json["recipes"]?[name]?["recipe"]?.stringValue)
        let folder = TemporaryFolder("verify-calibrated")
        try Compressor.run(model: Self.model, recipe: Recipe.parse(yaml: yaml, file: name), output: folder.file("out"),
                           options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: Self.samples())))
        #expect(try Verifier.verify(checkpoint: folder.file("out")).problems.map(\.description) == [])
        let against = try Verifier.verify(checkpoint: folder.file("out"), against: Self.model, options: VerificationOptions(threads: 2))
        let differing = against.problems.filter { $0.message.hasPrefix("differs from the original") }.map(\.tensor)
        if ["w4a16_gptq_g32", "nvfp4a16_gptq"].contains(name) {
            #expect(against.problems.map(\.description) == [])
        } else {
            #expect(!differing.isEmpty && differing.allSatisfy { $0.hasSuffix("layernorm.weight") }, "\(differing)")
        }
    }

    /// A KV-cache-only checkpoint with per-head scales (no config group, format `dense`), as
    /// oneshot writes it from the activation forms' reference recipe, verifies; a head's scale
    /// missing from its tensor is reported.
    @Test func aPerHeadKeyValueCacheOnlyCheckpointVerifies() throws {
        let json = try JSONSerialization.jsonObject(with: Fixtures.data("activation-forms-reference.json")) as! [String: Any]
        let yaml = ((json["recipes"] as! [String: Any])["kv_cache_only_attn_head"] as! [String: Any])["recipe"] as! String
        let folder = TemporaryFolder("verify-calibrated")
        let samples = (0..<4).map { s in (0..<32).map { (s * 131 + $0 * 17) % 800 } }
        try Compressor.run(model: Fixtures.path("models/llama_calib"), recipe: Recipe.parse(yaml: yaml, file: "kv.yaml"), output: folder.file("out"),
                           options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: samples)))
        var checkpoint = try EditableCheckpoint(folder.file("out"))
        #expect(try CorruptedCheckpointTests.problems(checkpoint, in: folder) == [])
        let scale = checkpoint.index("model.layers.1.self_attn.v_scale")
        checkpoint.tensors[scale].shape = [1]
        checkpoint.tensors[scale].bytes = Array(checkpoint.tensors[scale].bytes.prefix(2))
        let problems = try CorruptedCheckpointTests.problems(checkpoint, in: folder)
        #expect(problems.count == 1 && problems[0].hasPrefix("model.layers.1.self_attn.v_scale"), "\(problems)")
    }
}
