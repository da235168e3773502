import Checkpoint
import CompressedTensors
import Foundation
import JSON
import Modifiers
import Recipes
@testable import Runtime
import Testing
import TestSupport

/// Compressed-tensors checkpoints run with their weights kept compressed: tiny-llama compressed
/// with each scheme by `Compressor.run`, loaded by the runtime, and checked against a dense
/// reference computed here from the stored tensors.
@Suite struct CompressedLinearTests {
    /// A scheme, what the test expects of its checkpoint, and how far its logits may move.
    struct Scheme: CustomStringConvertible, Sendable {
        let name: String
        /// Bits of a packed integer weight, nil for other formats.
        let packedBits: Int?
        /// The activation quantization the reference applies: "fp8", "int8" or nil; per token,
        /// or per group of `activationGroup`.
        let activations: String?
        let activationGroup: Int?
        /// Largest RMS(logits − bf16 logits) / RMS(bf16 logits).
        let logitBound: Float
        var description: String { name }
    }

    static let schemes = [
        Scheme(name: "FP8_DYNAMIC", packedBits: nil, activations: "fp8", activationGroup: nil, logitBound: 0.1),
        Scheme(name: "FP8_BLOCK", packedBits: nil, activations: "fp8", activationGroup: 128, logitBound: 0.12),
        Scheme(name: "W8A8", packedBits: nil, activations: "int8", activationGroup: nil, logitBound: 0.1),
        Scheme(name: "W8A16", packedBits: 8, activations: nil, activationGroup: nil, logitBound: 0.05),
        Scheme(name: "W4A16", packedBits: 4, activations: nil, activationGroup: nil, logitBound: 0.6),
        Scheme(name: "W4A16_ASYM", packedBits: 4, activations: nil, activationGroup: nil, logitBound: 0.5),
        Scheme(name: "NVFP4A16", packedBits: nil, activations: nil, activationGroup: nil, logitBound: 0.3),
        Scheme(name: "MXFP4A16", packedBits: nil, activations: nil, activationGroup: nil, logitBound: 0.4),
        Scheme(name: "MXFP6A16", packedBits: nil, activations: nil, activationGroup: nil, logitBound: 0.2),
    ]

    static let prompt = [1, 17, 300, 42, 250, 7, 7, 256, 99, 128, 3, 450, 2, 64, 200, 310]
    static let dense = try! DecoderModel(directory: Fixtures.path("tiny-llama"))

    /// tiny-llama compressed with `scheme` (every Linear but lm_head) into `folder/out`.
    static func compress(_ scheme: String, into folder: TemporaryFolder) throws -> String {
        let recipe = try Recipe.parse(yaml: """
            default_stage:
              default_modifiers:
                QuantizationModifier:
                  targets: [Linear]
                  scheme: \(scheme)
                  ignore: [lm_head]
            """, file: "\(scheme).yaml")
        let output = folder.file("out")
        try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: recipe, output: output)
        return output
    }

    @Test(arguments: schemes) func modelRunsCompressedAndStaysCloseToBF16(_ scheme: Scheme) throws {
        let folder = TemporaryFolder("compressed-linear")
        let model = try DecoderModel(directory: try Self.compress(scheme.name, into: folder))
        for layer in model.layers {
            for linear in [layer.queryKeyValue, layer.output, layer.gateUp, layer.down] { #expect(!(linear is DenseLinear)) }
        }
        let logits = try model.forward(Self.prompt, cache: model.makeCache())
        let reference = try Self.dense.forward(Self.prompt, cache: Self.dense.makeCache())
        let error = Self.rms(zip(logits.values, reference.values).map { $0 - $1 }), size = Self.rms(reference.values)
        #expect(error / size < scheme.logitBound, "\(scheme.name): RMS logit error \(error), RMS logit \(size)")
    }

    /// An embedding table a config group quantizes (`targets: [Embedding]`) is read dequantized, and
    /// a quantized `lm_head` stays compressed; the model stays close to the bf16 one.
    @Test func quantizedEmbeddingAndHeadRun() throws {
        let folder = TemporaryFolder("compressed-linear")
        let embedding = "{targets: [Embedding], weights: {num_bits: 8, type: int, symmetric: true, strategy: channel}}"
        let linear = "{targets: [Linear], weights: {num_bits: 8, type: float, symmetric: true, strategy: channel}}"
        let recipe = try Recipe.parse(yaml: "QuantizationModifier: {config_groups: {group_0: \(embedding), group_1: \(linear)}}", file: "embedding.yaml")
        let output = folder.file("out")
        try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: recipe, output: output)
        let model = try DecoderModel(directory: output)
        #expect(!(model.head is DenseLinear))
        #expect(model.embedding != Self.dense.embedding)
        let logits = try model.forward(Self.prompt, cache: model.makeCache())
        let reference = try Self.dense.forward(Self.prompt, cache: Self.dense.makeCache())
        let error = Self.rms(zip(logits.values, reference.values).map { $0 - $1 }), size = Self.rms(reference.values)
        #expect(error / size < 0.1, "RMS logit error \(error), RMS logit \(size)")
    }

    @Test(arguments: schemes) func layerEqualsDenseGemmOnDequantizedWeights(_ scheme: Scheme) throws {
        let folder = TemporaryFolder("compressed-linear")
        let directory = try Self.compress(scheme.name, into: folder)
        let model = try DecoderModel(directory: directory)
        let checkpoint = try Checkpoint(directory: directory)
        let layer = model.layers[1].down
        let rows = layer.outputFeatures, columns = layer.inputFeatures
        let weight = try Self.dequantized(checkpoint, module: "model.layers.1.mlp.down_proj", rows: rows, columns: columns, bits: scheme.packedBits)
        for inputRows in [1, 5] {
            var generator = SystemRandomNumberGenerator()
            let input = (0..<(inputRows * columns)).map { _ in Float.random(in: -2...2, using: &generator) }
            let x = Self.quantized(input, rows: inputRows, columns: columns, kind: scheme.activations, group: scheme.activationGroup)
            var expected = [Float](repeating: 0, count: inputRows * rows)
            for r in 0..<inputRows {
                for o in 0..<rows {
                    var sum = 0.0
                    for c in 0..<columns { sum += Double(x[r * columns + c]) * Double(weight[o * columns + c]) }
                    expected[r * rows + o] = Float(sum)
                }
            }
            for tiled in [layer, Self.retiled(layer, rows: 7)] {
                var output = [Float](repeating: .nan, count: inputRows * rows)
                tiled.apply(input, rows: inputRows, into: &output)
                let scale = max(1, expected.map(abs).max()!)
                let worst = zip(output, expected).map { abs($0 - $1) }.max()!
                #expect(worst / scale < 1e-5, "\(scheme.name), \(inputRows) rows: max error \(worst) of \(scale)")
            }
        }
    }

    /// bf16 greedily continues the prompt with 385 202 202 (vLLM gives the same for bf16 and for
    /// this FP8_DYNAMIC checkpoint). The second step is a close call (202 leads 264 by 0.12 logits
    /// of RMS 0.4 on this random-weight model): the FP8 weights alone keep it, while f32 emulation
    /// of the per-token FP8 activations moves the logits enough to pick 264 there.
    @Test func fp8GreedyTokensMatchBF16() throws {
        let folder = TemporaryFolder("compressed-linear")
        let model = try DecoderModel(directory: try Self.compress("FP8_DYNAMIC", into: folder))
        var dense = Generator(model: Self.dense, sampler: try Sampler(), stopTokens: [])
        #expect(try dense.generate(prompt: Self.prompt, maxTokens: 3).tokens == [385, 202, 202])
        var compressed = Generator(model: model, sampler: try Sampler(), stopTokens: [])
        #expect(try compressed.generate(prompt: Self.prompt, maxTokens: 1).tokens == [385])
        let weightOnly = DecoderModel(
            spec: model.spec, embedding: model.embedding,
            layers: model.layers.map {
                DecoderLayer(
                    inputNorm: $0.inputNorm, queryKeyValue: Self.withoutActivationQuantization($0.queryKeyValue),
                    queryNorm: $0.queryNorm, keyNorm: $0.keyNorm, output: Self.withoutActivationQuantization($0.output),
                    postAttentionNorm: $0.postAttentionNorm, feedForwardNorm: $0.feedForwardNorm,
                    feedForward: .dense(
                        gateUp: Self.withoutActivationQuantization($0.gateUp), down: Self.withoutActivationQuantization($0.down)),
                    postFeedForwardNorm: $0.postFeedForwardNorm, attention: $0.attention)
            },
            finalNorm: model.finalNorm, head: model.head)
        var fp8Weights = Generator(model: weightOnly, sampler: try Sampler(), stopTokens: [])
        #expect(try fp8Weights.generate(prompt: Self.prompt, maxTokens: 3).tokens == [385, 202, 202])
    }

    /// An FP8 layer (or stack of them) with its activations left in f32.
    static func withoutActivationQuantization(_ layer: any Linear) -> any Linear {
        if let stacked = layer as? StackedLinear { return StackedLinear(stacked.parts.map(withoutActivationQuantization)) }
        guard let fp8 = layer as? FP8Linear else { Issue.record("\(type(of: layer)) is not FP8"); return layer }
        return FP8Linear(weights: fp8.weights, activations: nil, bias: fp8.bias)
    }

    @Test func fp8ActivationRoundingEqualsTheCodec() {
        var generator = SystemRandomNumberGenerator()
        var values: [Float] = [0, -0.0, 0x1p-10, 0x1p-9, 0x1.8p-9, 0x1p-6, 0x1.fp-7, 448, 460, 464, 470, 1e9, -1e9]
        for exponent in -14...10 {
            for _ in 0..<2000 { values.append(Float(sign: Bool.random(using: &generator) ? .minus : .plus, exponent: exponent, significand: Float.random(in: 1..<2, using: &generator))) }
        }
        for step in 0..<(1 << 12) { values.append(Float(step) * 0x1p-12) }
        for v in values {
            let expected = FP8E4M3.decode(FP8E4M3.encode(v))
            #expect(ActivationQuantization.roundedToFP8(v).bitPattern == expected.bitPattern, "\(v)")
        }
    }

    @Test func unsupportedActivationsNameTheModule() throws {
        guard case let .object(json) = try JSONParser.parse("""
            {"quantization_config": {"config_groups": {"group_0": {"targets": ["re:.*down_proj$"],
             "input_activations": {"type": "int", "num_bits": 4, "dynamic": true, "strategy": "token"}}}}}
            """) else { Issue.record("not an object"); return }
        let config = try #require(try QuantizationConfig(ModelConfig(json: json), file: "config.json"))
        #expect(try config.group(for: "model.layers.0.mlp.up_proj") == nil)
        let group = try #require(try config.group(for: "model.layers.0.mlp.down_proj"))
        #expect(throws: RuntimeError.unsupportedQuantization(module: "model.layers.0.mlp.down_proj", reason: "4-bit int input activations (symmetric: true)")) {
            _ = try config.activations(of: group, module: "model.layers.0.mlp.down_proj") { () throws(RuntimeError) -> (scale: Float, zeroPoint: Float)? in nil }
        }
    }

    /// Static asymmetric int8 inputs (`input_scale`, `input_zero_point`) round `x / s` to the grid
    /// shifted by the zero point, clamped to -128...127, and read back as `(code - zp) · s`.
    @Test func asymmetricStaticInputsShiftTheGridByTheZeroPoint() {
        let quantization = ActivationQuantization(grid: .int8, scale: .fixed(0.5), zeroPoint: 5)
        var x: [Float] = [1.2, -67, 63, 0]
        x.withUnsafeMutableBufferPointer { quantization.apply($0.baseAddress!, rows: 1, columns: 4) }
        // codes: 2+5 = 7, -134+5 -> -128, 126+5 -> 127, 0+5 = 5.
        #expect(x == [1, -66.5, 61, 0])
    }

    static func rms(_ values: [Float]) -> Float { (values.map { $0 * $0 }.reduce(0, +) / Float(values.count)).squareRoot() }

    /// `layer` with its weights multiplied `rows` weight rows at a time.
    static func retiled(_ layer: any Linear, rows: Int) -> any Linear {
        switch layer {
        case let l as FP8Linear: return FP8Linear(weights: l.weights, activations: l.activations, bias: l.bias, tileRows: rows)
        case let l as Int8Linear: return Int8Linear(weights: l.weights, activations: l.activations, bias: l.bias, tileRows: rows)
        case let l as PackedIntLinear: return PackedIntLinear(weights: l.weights, activations: l.activations, bias: l.bias, tileRows: rows)
        case let l as FP4Linear: return FP4Linear(weights: l.weights, activations: l.activations, bias: l.bias, tileRows: rows)
        case let l as CompressedLinear<FP6Weights>:
            return CompressedLinear(weights: l.weights, activations: l.activations, bias: l.bias, tileRows: rows)
        case let l as W8A8Linear: return l  // integer dot products, no tiles
        default: Issue.record("\(type(of: layer)) is not compressed"); return layer
        }
    }

    /// Per-token (or per-group) quantized-dequantized activations, written out plainly: int8 as
    /// vLLM quantizes it, x · (127 / absmax) rounded, times absmax / 127.
    static func quantized(_ x: [Float], rows: Int, columns: Int, kind: String?, group: Int?) -> [Float] {
        guard let kind else { return x }
        let size = group ?? columns, maximum: Float = kind == "fp8" ? 448 : 127
        var result = x
        for r in 0..<rows {
            for start in stride(from: 0, to: columns, by: size) {
                let range = (r * columns + start)..<(r * columns + min(columns, start + size))
                let absmax = range.map { abs(x[$0]) }.max()!, scale = absmax / maximum
                for i in range {
                    let v = kind == "fp8" ? x[i] / scale : x[i] * (maximum / absmax)
                    result[i] = (kind == "fp8" ? FP8E4M3.decode(FP8E4M3.encode(v)) : min(127, max(-128, v.rounded(.toNearestOrEven)))) * scale
                }
            }
        }
        return result
    }

    /// The f32 weight of `module` from its stored tensors, bit by bit: codes (F8_E4M3, I8, packed
    /// I32 fields, FP4 nibbles) minus zero points, times scales whose blocks evenly tile the weight.
    static func dequantized(_ checkpoint: Checkpoint, module: String, rows: Int, columns: Int, bits: Int?) throws -> [Float] {
        func tensor(_ suffix: String) -> Checkpoint.Tensor? { checkpoint.tensor(named: module + "." + suffix) }
        func bytes(_ t: Checkpoint.Tensor) -> [UInt8] { Array(checkpoint.data(t).prefix(t.info.byteCount)) }
        func words(_ t: Checkpoint.Tensor) -> [UInt32] {
            stride(from: 0, to: t.info.byteCount, by: 4).map { o in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes(t)[o + $1]) << (8 * $1) } }
        }
        func floats(_ t: Checkpoint.Tensor) -> [Float] {
            let b = bytes(t)
            switch t.info.dtype {
            case .bf16: return stride(from: 0, to: b.count, by: 2).map { Float(bitPattern: (UInt32(b[$0]) | UInt32(b[$0 + 1]) << 8) << 16) }
            case .f32: return stride(from: 0, to: b.count, by: 4).map { o in Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[o + $1]) << (8 * $1) }) }
            case .f8e4m3: return b.map(FP8E4M3.decode)
            default: return b.map { Float(sign: .plus, exponent: Int($0) - 127, significand: 1) }
            }
        }
        /// Field `index` of a stream of `bits`-bit fields, read one bit at a time.
        func field(_ stream: (Int) -> UInt32, index: Int, bits: Int) -> Int {
            (0..<bits).reduce(0) { value, b in
                let bit = index * bits + b
                return value | Int((stream(bit / 32) >> UInt32(bit % 32)) & 1) << b
            } - (1 << (bits - 1))
        }

        var codes = [Float](repeating: 0, count: rows * columns)
        if let weight = tensor("weight") {
            let b = bytes(weight)
            codes = weight.info.dtype == .f8e4m3 ? b.map(FP8E4M3.decode) : b.map { Float(Int8(bitPattern: $0)) }
        } else if let packed = tensor("weight_packed") {
            if let bits {
                let w = words(packed), perRow = packed.info.shape[1]
                for r in 0..<rows {
                    for c in 0..<columns { codes[r * columns + c] = Float(field({ w[r * perRow + $0] }, index: c, bits: bits)) }
                }
            } else if packed.info.shape[1] * 4 == columns * 3 {
                // FP6 E2M3: 6-bit codes in a little-endian bit stream per row.
                let b = bytes(packed), perRow = packed.info.shape[1]
                for r in 0..<rows {
                    for c in 0..<columns {
                        let code = (0..<6).reduce(UInt8(0)) { value, bit in
                            let at = 6 * c + bit
                            return value | ((b[r * perRow + at / 8] >> UInt8(at % 8)) & 1) << UInt8(bit)
                        }
                        codes[r * columns + c] = FP6Code.value(code)
                    }
                }
            } else {
                let b = bytes(packed)
                for r in 0..<rows {
                    for c in 0..<columns {
                        let byte = b[r * (columns / 2) + c / 2]
                        codes[r * columns + c] = FP4E2M1.decode(c % 2 == 0 ? byte & 0xF : byte >> 4)
                    }
                }
            }
        }
        let scaleTensor = try #require(tensor("weight_scale"))
        var scales = floats(scaleTensor)
        if let global = tensor("weight_global_scale") { scales = scales.map { $0 / floats(global)[0] } }
        let scaleRows = scaleTensor.info.shape.count == 2 ? scaleTensor.info.shape[0] : 1
        let scaleColumns = scaleTensor.info.shape.count == 2 ? scaleTensor.info.shape[1] : 1
        var zeroPoints = [Float](repeating: 0, count: scales.count)
        if let zero = tensor("weight_zero_point"), let bits {
            let w = words(zero)
            for r in 0..<scaleRows {
                for g in 0..<scaleColumns { zeroPoints[r * scaleColumns + g] = Float(field({ w[$0 * scaleColumns + g] }, index: r, bits: bits)) }
            }
        }
        return (0..<(rows * columns)).map { i in
            let r = i / columns, c = i % columns
            let s = (r / (rows / scaleRows)) * scaleColumns + c / (columns / scaleColumns)
            return (codes[i] - zeroPoints[s]) * scales[s]
        }
    }
}

/// The projections of a dense MLP block (every block of the SmolLM2 fixture).
extension DecoderLayer {
    fileprivate var gateUp: any Linear {
        guard case .dense(let gateUp, _) = feedForward else { fatalError("not a dense MLP") }
        return gateUp
    }
    fileprivate var down: any Linear {
        guard case .dense(_, let down) = feedForward else { fatalError("not a dense MLP") }
        return down
    }
}
