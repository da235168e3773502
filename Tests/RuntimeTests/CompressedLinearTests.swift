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
        /// The activation quantization the reference applies: "fp8" or "int8" per token or per
        /// group of `activationGroup`, "mxfp4"/"mxfp8" (MX groups of 32), "nvfp4", or nil.
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
        Scheme(name: "MXFP4", packedBits: nil, activations: "mxfp4", activationGroup: 32, logitBound: 0.5),
        Scheme(name: "MXFP4XFP8", packedBits: nil, activations: "fp8", activationGroup: 128, logitBound: 0.4),
        Scheme(name: "MXFP6A8", packedBits: nil, activations: "mxfp8", activationGroup: 32, logitBound: 0.15),
        Scheme(name: "MXFP8", packedBits: nil, activations: "mxfp8", activationGroup: 32, logitBound: 0.12),
        Scheme(name: "NVFP4", packedBits: nil, activations: "nvfp4", activationGroup: 16, logitBound: 0.35),
    ]

    static let prompt = [1, 17, 300, 42, 250, 7, 7, 256, 99, 128, 3, 450, 2, 64, 200, 310]
    static let dense = try! DecoderModel(directory: Fixtures.path("tiny-llama"))

    /// tiny-llama compressed with `scheme` (every Linear but lm_head) into `folder/out`; NVFP4's
    /// input global scales are calibrated on a few windows of the prompt's tokens.
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
        let samples = (0..<4).map { shift in prompt.map { ($0 * 7 + shift * 31) % 500 } }
        let calibration = scheme == "NVFP4" ? CalibrationInput(samples: samples) : nil
        try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: recipe, output: output,
                           options: OneshotOptions(calibration: calibration))
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
            let x = scheme.activations == "nvfp4"
                ? Self.nvfp4Quantized(input, global: try Self.inputGlobalScale(checkpoint, module: "model.layers.1.mlp.down_proj"))
                : Self.quantized(input, rows: inputRows, columns: columns, kind: scheme.activations, group: scheme.activationGroup)
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
            _ = try config.activations(of: group, module: "model.layers.0.mlp.down_proj") { _ throws(RuntimeError) -> (scale: Float, zeroPoint: Float)? in nil }
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
        if kind.hasPrefix("mx") { return mxQuantized(x, fp4: kind == "mxfp4") }
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

    /// MX inputs by the OCP rule as compressed-tensors rounds it, on groups of 32 values none of
    /// them zero: the scale is `2^(e - offset)`, `e` the exponent of the group's largest magnitude
    /// (one more from a significand of 1.75 on), `offset` 2 for FP4 and 8 for FP8 elements.
    static func mxQuantized(_ x: [Float], fp4: Bool) -> [Float] {
        var result = x
        for start in stride(from: 0, to: x.count, by: 32) {
            let group = start..<min(x.count, start + 32)
            let absmax = group.map { abs(x[$0]) }.max()!
            let exponent = Int(absmax.exponent) + (absmax.significand >= 1.75 ? 1 : 0)
            let scale = Float(sign: .plus, exponent: exponent - (fp4 ? 2 : 8), significand: 1)
            for i in group {
                let v = x[i] / scale
                result[i] = (fp4 ? FP4E2M1.decode(FP4E2M1.encode(v)) : FP8E4M3.decode(FP8E4M3.encode(v))) * scale
            }
        }
        return result
    }

    /// NVFP4 inputs as compressed-tensors quantizes them (groups of 16, rows a whole number of them).
    static func nvfp4Quantized(_ x: [Float], global: Float) -> [Float] {
        var result = x
        for start in stride(from: 0, to: x.count, by: 16) {
            let group = start..<(start + 16)
            var scale = FP8E4M3.decode(FP8E4M3.encode(global * (group.map { abs(x[$0]) }.max()! / 6)))
            if scale == 0 { scale = 0.125 }
            for i in group { result[i] = FP4E2M1.decode(FP4E2M1.encode(x[i] / (scale / global))) * (scale / global) }
        }
        return result
    }

    /// The F32 `input_global_scale` of `module`.
    static func inputGlobalScale(_ checkpoint: Checkpoint, module: String) throws -> Float {
        let tensor = try #require(checkpoint.tensor(named: module + ".input_global_scale"))
        return checkpoint.data(tensor).loadUnaligned(as: Float.self)
    }

    /// NVFP4 inputs: each group of 16 gets the FP8 scale `fp8(global · absmax / 6)` (0 becomes
    /// 0.125), and its values `x / (scale / global)` go to the FP4 grid, saturating at ±6.
    @Test func nvfp4InputsRoundEachGroupUnderTheGlobalScale() {
        let quantization = ActivationQuantization(grid: .fp4, scale: .nvfp4(global: 2))
        // Group 1: absmax 3, 2 · 3/6 = 1 (FP8 exact): divisor 1/2, so x · 2 goes to the FP4 grid.
        // Group 2: absmax 0.7, 2 · 0.7/6 = 0.2333 -> FP8 0.234375: divisor 0.1171875.
        var x: [Float] = [3, -0.1, 0.15, 0.4, 0.6, 0.65, -1.3, 2.2, 1.6, 0, 0, 0, 0, 0, 0, 0]
        x += [0.7, 0.05, -0.35] + [Float](repeating: 0, count: 13)
        x += [Float](repeating: 0, count: 16)
        x.withUnsafeMutableBufferPointer { quantization.apply($0.baseAddress!, rows: 1, columns: 48) }
        #expect(Array(x[0..<9]) == [3, -0.0, 0.25, 0.5, 0.5, 0.75, -1.5, 2, 1.5])
        let divisor = FP8E4M3.decode(FP8E4M3.encode(2 * (Float(0.7) / 6))) / 2
        #expect(divisor == 0.1171875)
        // 0.7 / d = 5.97 -> 6; 0.05 / d = 0.43 -> 0.5; -0.35 / d = -2.99 -> -3.
        #expect(Array(x[16..<19]) == [6 * divisor, 0.5 * divisor, -3 * divisor])
        #expect(x[32..<48].allSatisfy { $0 == 0 })
    }

    /// An MX group's scale rounds its largest magnitude up to the next power of two only from a
    /// significand of 1.75 on (compressed-tensors' `round_to_power_2`), not at 1.5 as E8M0's cast does.
    @Test func mxInputsRoundTheGroupMaximumFromSevenEighths() {
        func quantized(_ first: Float, _ second: Float, grid: ActivationQuantization.Grid) -> [Float] {
            var x = [first, second] + [Float](repeating: 0.01, count: 30)
            x.withUnsafeMutableBufferPointer { ActivationQuantization(grid: grid, scale: .mx).apply($0.baseAddress!, rows: 1, columns: 32) }
            return Array(x[0..<2])
        }
        #expect(quantized(6.9, 1.4, grid: .fp4) == [6, 1.5])  // 6.9 = 1.725 · 4: scale 1
        #expect(quantized(7, 1.4, grid: .fp4) == [8, 1])  // 7 = 1.75 · 4: scale 2; 3.5 -> 4, 0.7 -> 0.5
        #expect(quantized(300, 1.1, grid: .fp8) == [288, 1.125])  // scale 1: E4M3 steps of 32 above 256
        #expect(quantized(460, 1.1, grid: .fp8) == [448, 1.125])  // 460 = 1.797 · 256: scale 2; 230 -> 224, 0.55 -> 0.5625
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
