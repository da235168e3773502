import Checkpoint
import Foundation
import Modifiers
import Recipes
@testable import Runtime
import Testing
import TestSupport

/// Attention quantization's queries (`q_scale`) run as compressed-tensors' query hook quantizes
/// them when transformers runs the checkpoint: after the rotary embedding, each head's queries
/// rounded to the group's type with its stored scale, before attention reads them.
@Suite struct QueryQuantizationTests {
    /// `x` quantized and dequantized as compressed-tensors' `fake_quantize` computes it for a static
    /// scale `s`, written out here rather than through the runtime's rounding: FP8 clamps `x / s`
    /// to ±448 and casts it to E4M3 (the checkpoint codec's cast); int8 adds the zero point `zp`
    /// (0: symmetric) to `x / s`, rounds half to even, clamps to -128...127 and subtracts `zp`.
    static func fakeQuantized(_ x: Float, scale s: Float, zeroPoint zp: Float = 0, fp8: Bool) -> Float {
        let scaled = x / s
        if fp8 { return FP8E4M3.decode(FP8E4M3.encode(min(max(scaled, -448), 448))) * s }
        return (min(max((scaled + zp).rounded(.toNearestOrEven), -128), 127) - zp) * s
    }

    @Test(arguments: [true, false], [[Float(0.02)], [0.5, 0.01, 3]])
    func eachHeadIsRoundedWithItsScale(fp8: Bool, scales: [Float]) {
        // Two rows of three heads of four values, 14 floats apart.
        let heads = 3, headDim = 4, stride = 14
        let quantization = HeadQuantization(grid: fp8 ? .fp8 : .int8, scales: scales, heads: heads, headDim: headDim)
        let original = (0..<(2 * stride)).map { (i: Int) -> Float in
            let step = Float(i % 7 - 3)
            return step * 0.37 + Float(i) * 0.011
        }
        var rows = original
        rows.withUnsafeMutableBufferPointer { quantization.apply($0.baseAddress!, rows: 2, stride: stride) }
        for r in 0..<2 {
            for i in 0..<stride {
                let x = original[r * stride + i]
                let scale = scales.count == 1 ? scales[0] : scales[min(i / headDim, heads - 1)]
                let expected = i < heads * headDim ? Self.fakeQuantized(x, scale: scale, fp8: fp8) : x
                #expect(rows[r * stride + i] == expected, "row \(r) element \(i)")
            }
        }
    }

    /// What a ``LayerTap`` sees of one sample's attention in block 0.
    final class AttentionRecorder: LayerTap {
        var states: [LayerSite: [Float]] = [:]
        func observe(_ site: LayerSite, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
            guard [.queries, .keys, .values, .attentionOutput].contains(site) else { return }
            for r in 0..<rows { states[site, default: []] += Array(UnsafeBufferPointer(start: values + r * stride, count: width)) }
        }
    }

    /// Causal grouped-query attention of Llama's `1/√headDim`, computed here in f64 over the
    /// recorded post-RoPE queries, keys and values, with the queries fake-quantized per head with
    /// `queryScales` (none: left as they are) and keys and values with their stored scales, all
    /// in FP8 (`fp8`) or int8.
    static func referenceAttention(_ recorded: [LayerSite: [Float]], queryScales: [Float]?, keyScales: [Float], valueScales: [Float],
                                   fp8: Bool, heads: Int, keyValueHeads: Int, headDim: Int) -> [Float] {
        let queryWidth = heads * headDim, keyWidth = keyValueHeads * headDim
        let rows = recorded[.queries]!.count / queryWidth
        func perHead(_ scales: [Float], _ h: Int) -> Float { scales.count == 1 ? scales[0] : scales[h] }
        let queries = recorded[.queries]!.enumerated().map { i, x in
            queryScales.map { Self.fakeQuantized(x, scale: perHead($0, (i % queryWidth) / headDim), fp8: fp8) } ?? x
        }
        let keys = recorded[.keys]!.enumerated().map { Self.fakeQuantized($1, scale: perHead(keyScales, ($0 % keyWidth) / headDim), fp8: fp8) }
        let values = recorded[.values]!.enumerated().map { Self.fakeQuantized($1, scale: perHead(valueScales, ($0 % keyWidth) / headDim), fp8: fp8) }
        var output = [Float](repeating: 0, count: rows * queryWidth)
        for i in 0..<rows {
            for h in 0..<heads {
                let g = h / (heads / keyValueHeads)
                let scores = (0...i).map { j in
                    (0..<headDim).reduce(0.0) { $0 + Double(queries[i * queryWidth + h * headDim + $1]) * Double(keys[j * keyWidth + g * headDim + $1]) }
                        / Double(headDim).squareRoot()
                }
                let largest = scores.max()!
                let weights = scores.map { exp($0 - largest) }, total = weights.reduce(0, +)
                for d in 0..<headDim {
                    let sum = (0...i).reduce(0.0) { $0 + weights[$1] * Double(values[$1 * keyWidth + g * headDim + d]) }
                    output[i * queryWidth + h * headDim + d] = Float(sum / total)
                }
            }
        }
        return output
    }

    /// `model` (a fixture) compressed with attention quantization of its `self_attn` modules, the
    /// states of type `type` (`float`: FP8, `int`: int8) quantized with strategy `strategy`.
    static func attentionQuantized(_ model: String, type: String, strategy: String) throws -> TemporaryFolder {
        let yaml = """
            QuantizationModifier:
              config_groups:
                attention:
                  targets: ['re:.*self_attn$']
                  input_activations: {num_bits: 8, type: \(type), symmetric: true, strategy: \(strategy), dynamic: false}
            """
        let folder = TemporaryFolder("query")
        let samples = KeyValueCacheTests.samples.map { $0.map { $0 % 256 } }
        try Compressor.run(model: Fixtures.path("models/" + model), recipe: Recipe.parse(yaml: yaml, file: "\(model)-attention"),
                           output: folder.file("out"), options: OneshotOptions(calibration: CalibrationInput(samples: samples)))
        return folder
    }

    /// The checkpoint `recipe` names: one of `scripts/make-attention-references.py`'s recipes,
    /// Qwen3 (whose attention holds query and key norms) with FP8 states per head, or llama_calib
    /// with int8 states per head or per tensor.
    static func compressed(_ recipe: String) throws -> TemporaryFolder {
        switch recipe {
        case "qwen3": try attentionQuantized("qwen3", type: "float", strategy: "attn_head")
        case "int8_attn_head": try attentionQuantized("llama_calib", type: "int", strategy: "attn_head")
        case "int8_tensor": try attentionQuantized("llama_calib", type: "int", strategy: "tensor")
        default: try KeyValueCacheTests.compressed(recipe, fixture: "attention-reference.json")
        }
    }

    /// Per head (`strategy: attn_head`, `q_scale` [4, 1, 1]) and per tensor (`[1]`, beside FP8
    /// static Linear layers), from `scripts/make-attention-references.py`'s recipes, per head on
    /// Qwen3, whose queries are normed before the rotary embedding, and int8 per head and per
    /// tensor: block 0's attention output is the reference's with the queries, keys and values
    /// fake-quantized by the stored `q_scale`, `k_scale` and `v_scale`, and not the one that
    /// ignores `q_scale`.
    @Test(arguments: [("attention_fp8_attn_head", 4), ("fp8_with_attention_tensor", 1), ("qwen3", 4), ("int8_attn_head", 4), ("int8_tensor", 1)])
    func attentionReadsTheQueriesRoundedWithTheirStoredScales(_ recipe: String, queryScales: Int) throws {
        let folder = try Self.compressed(recipe)
        let fp8 = !recipe.hasPrefix("int8")
        let stored = try TensorReader(directory: folder.file("out"))
        let attention = "model.layers.0.self_attn"
        let scales = (q: try stored.floats(attention + ".q_scale"), k: try stored.floats(attention + ".k_scale"), v: try stored.floats(attention + ".v_scale"))
        #expect(scales.q.count == queryScales)
        let model = try LayerwiseModel(checkpoint: Checkpoint(directory: folder.file("out")), threads: 2)
        let spec = model.spec
        let block = try model.block(0)
        let quantization = try #require(block.layer.queryQuantization)
        #expect(quantization.heads.map { quantization -> Float? in
            guard case let .fixed(scale) = quantization.scale else { return nil }
            return scale
        } == (0..<spec.headCount).map { scales.q.count == 1 ? scales.q[0] : scales.q[$0] })

        var hidden = try model.embed(samples: [KeyValueCacheTests.samples[1].map { $0 % spec.vocabularySize }])
        let recorder = AttentionRecorder()
        model.run(block, samples: &hidden, batch: 0..<1, tap: recorder)
        let observed = try #require(recorder.states[.attentionOutput])
        func reference(_ queryScales: [Float]?) -> [Float] {
            Self.referenceAttention(recorder.states, queryScales: queryScales, keyScales: scales.k, valueScales: scales.v, fp8: fp8,
                                    heads: spec.headCount, keyValueHeads: spec.keyValueHeadCount, headDim: spec.headDim)
        }
        let largest = observed.map(abs).max()!
        let quantized = zip(observed, reference(scales.q)).map { abs($0 - $1) }.max()!
        let ignoringQueryScale = zip(observed, reference(nil)).map { abs($0 - $1) }.max()!
        // f32 rounding (at most 3e-7 of the largest output); int8 queries move the output by 3e-4 of it.
        let tolerance = 2e-6 * largest
        #expect(quantized <= tolerance, "max difference \(quantized) of \(largest)")
        #expect(ignoringQueryScale > 50 * tolerance, "max difference \(ignoringQueryScale) of \(largest)")
        _ = folder
    }

    /// Whole-model logits move when the queries are rounded, but little.
    @Test(arguments: ["attention_fp8_attn_head", "fp8_with_attention_tensor"])
    func logitsChangeALittleWithQueryScales(_ recipe: String) throws {
        let folder = try KeyValueCacheTests.compressed(recipe, fixture: "attention-reference.json")
        let model = try DecoderModel(directory: folder.file("out"))
        #expect(model.layers.allSatisfy { $0.queryQuantization != nil })
        let distance = try model.relativeLogitDistance(to: model.changingLayers { $0.queryQuantization = nil }, tokens: KeyValueCacheTests.samples[0])
        #expect(distance > 0)
        #expect(distance < 0.05)
    }

    /// llama_calib with the quantization of `reference` added: its quantization_config and the
    /// tensors under `key`, a case of `scripts/make-query-hook-references.py` (`scales`: q/k/v
    /// scales, BF16) or of `scripts/make-asymmetric-kv-references.py` (`tensors`: k/v scales and zero
    /// points, each with its `dtype`, float32 or int8).
    static func rebuilt(_ reference: [String: Any], tensors key: String = "scales", in folder: TemporaryFolder) throws -> String {
        let original = Fixtures.path("models/llama_calib")
        let checkpoint = try Checkpoint(directory: original)
        var builder = ModelBuilder(modelType: "llama")
        builder.tensors = checkpoint.tensors.map { ($0.name, $0.info.dtype, $0.info.shape, Array(checkpoint.data($0))) }
        for (name, tensor) in reference[key] as! [String: [String: Any]] {
            let shape = tensor["shape"] as! [Int], values = (tensor["values"] as! [Double]).map(Float.init)
            switch tensor["dtype"] as? String ?? "bfloat16" {
            case "bfloat16": builder.bf16(name, shape, values)
            case "float32": builder.tensors.append((name, .f32, shape, values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
            case "int8": builder.tensors.append((name, .i8, shape, values.map { UInt8(bitPattern: Int8($0)) }))
            case let dtype: Issue.record("\(name): dtype \(dtype)")
            }
        }
        let path = folder.file("out")
        try builder.write(to: path)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: original + "/config.json"))) as! [String: Any]
        config["quantization_config"] = reference["quantization_config"]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path + "/config.json"))
        return path
    }

    /// Against compressed-tensors 0.19 itself (`scripts/make-query-hook-references.py`): the logits
    /// transformers 5 gives in float32 with its query and KV cache hooks fake-quantizing the
    /// states, FP8 and int8, per head and per tensor. Ours agree to f32 rounding, while its logits
    /// with the query hook's quantization off, and ours with the KV cache kept in f32, lie fifty
    /// times further away.
    @Test(arguments: ["per_head", "per_tensor", "int8_per_head", "int8_per_tensor"])
    func logitsAreCompressedTensorsQueryHooks(_ name: String) throws {
        let fixture = try JSONSerialization.jsonObject(with: Fixtures.data("query-hook-reference.json")) as! [String: Any]
        let reference = (fixture["cases"] as! [String: Any])[name] as! [String: Any]
        let folder = TemporaryFolder("query-hook")
        let model = try DecoderModel(directory: try Self.rebuilt(reference, in: folder))
        let tokens = fixture["tokens"] as! [Int]
        let logits = try model.forward(tokens, cache: model.makeCache())
        let withoutCache = model.changingLayers { $0.keyValueCache = nil }
        let unroundedCache = try withoutCache.forward(tokens, cache: withoutCache.makeCache())
        let tolerance: Float = 2e-6  // the largest logit is 0.94
        for (i, row) in (fixture["rows"] as! [Int]).enumerated() {
            func distance<A: Collection<Float>, B: Collection<Float>>(_ a: A, _ b: B) -> Float { zip(a, b).map { abs($0 - $1) }.max()! }
            let hooked = (reference["logits"] as! [[Double]])[i].map(Float.init)
            let withoutQuery = (reference["without_query"] as! [[Double]])[i].map(Float.init)
            let columns = (row * logits.columns)..<((row + 1) * logits.columns)
            let difference = distance(logits.values[columns], hooked)
            #expect(difference <= tolerance, "row \(row): \(difference)")
            #expect(distance(hooked, withoutQuery) > 50 * tolerance, "row \(row)")
            #expect(distance(unroundedCache.values[columns], hooked) > 50 * tolerance, "row \(row)")
        }
    }

    /// The per-head attention-quantized output with its attention group (`group_0`) in
    /// config.json changed by `edit`.
    static func editedAttentionGroup(_ edit: (inout [String: Any]) -> Void) throws -> TemporaryFolder {
        let folder = try KeyValueCacheTests.compressed("attention_fp8_attn_head", fixture: "attention-reference.json")
        let path = folder.file("out/config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var quantization = config["quantization_config"] as! [String: Any]
        var groups = quantization["config_groups"] as! [String: Any]
        var group = groups["group_0"] as! [String: Any]
        edit(&group)
        groups["group_0"] = group
        quantization["config_groups"] = groups
        config["quantization_config"] = quantization
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return folder
    }

    /// A target that also matches the projections (`re:.*self_attn.*`) is no attention
    /// quantization for compressed-tensors, which then leaves the queries alone.
    @Test func aTargetThatAlsoMatchesTheProjectionsLeavesTheQueries() throws {
        let folder = try Self.editedAttentionGroup { $0["targets"] = ["re:.*self_attn.*"] }
        let model = try DecoderModel(directory: folder.file("out"))
        #expect(model.layers.allSatisfy { $0.queryQuantization == nil && $0.keyValueCache != nil })
    }

    @Test func queriesOtherThanEightBitAreRefusedNamingTheAttention() throws {
        let folder = try Self.editedAttentionGroup { group in
            var states = group["input_activations"] as! [String: Any]
            states["num_bits"] = 4
            states["type"] = "int"
            group["input_activations"] = states
        }
        #expect {
            _ = try DecoderModel(directory: folder.file("out"))
        } throws: { error in
            guard case let RuntimeError.unsupportedQuantization(module, reason) = error else { return false }
            return module == "model.layers.0.self_attn" && reason.contains("4-bit int")
        }
    }
}
