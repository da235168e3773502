import Checkpoint
import CompressedTensors
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// The integer schemes (int-quantized W8A8/INT8, W4AFP8, W{n}A{4,8}; pack-quantized W{n}A16,
/// W4A16_ASYM and custom groups of 1 to 8 bits, symmetric or not, per tensor, channel or group)
/// give llm-compressor 0.14's output: every tensor byte for byte and the quantization_config.
/// Each reference folder holds the recipe llm-compressor saved, which is also the recipe we apply.
@Suite struct IntegerSchemesTests {
    static let mixtralRenames = [("w1", "gate_proj"), ("w2", "down_proj"), ("w3", "up_proj")]

    /// Folders of `Tests/Fixtures/references`, named `MODEL--SCHEME`; MODEL is the input, in
    /// `Tests/Fixtures/models` (`tiny-llama` in `Tests/Fixtures`; `llama_intedge` and its f16 form
    /// `llama_intedgef16` are made by `edgeModel()`). Custom schemes: ASYM{bits}_{CH|G{size}|TENSOR} are asymmetric weight-only
    /// groups, SYM4_TENSOR and W6_CH symmetric ones, INT8_ASYM / INT4_ASYM_G64_A8 / INT8_TENSOR_A8
    /// add 8-bit dynamic per-token activations.
    static let references: [String] = [
        "tiny-llama--W8A8", "tiny-llama--W8A16", "tiny-llama--W4A16", "tiny-llama--W4A16_ASYM",
        "llama--W8A8", "llama--INT8", "llama--W4AFP8", "llama--W8A16", "llama--W4A16", "llama--W4A16_ASYM",
        "mixtral--W8A8", "mixtral--INT8", "mixtral--W4AFP8", "mixtral--W8A16", "mixtral--W4A16", "mixtral--W4A16_ASYM",
        "llama--W2A16", "llama--W3A16", "llama--W5A16", "llama--W6A16", "llama--W7A16",
        "llama--W2A4", "llama--W4A8", "llama--W6A8",
        "llama--ASYM3_CH", "llama--ASYM5_G32", "llama--ASYM8_G64", "llama--ASYM4_TENSOR", "llama--SYM4_TENSOR", "llama--W6_CH",
        "llama--INT8_ASYM", "llama--INT4_ASYM_G64_A8", "llama--INT8_TENSOR_A8",
        "llama_f16--W8A8", "llama_f16--W4AFP8", "llama_f16--W4A16", "llama_f16--W4A16_ASYM", "llama_f16--ASYM3_CH",
        "llama_f32--W8A8", "llama_f32--W4A16", "llama_f32--W4A16_ASYM",
        "llama_intedge--W8A8", "llama_intedge--W4A16", "llama_intedge--W4A16_ASYM", "llama_intedge--ASYM3_CH",
        "llama_intedge--ASYM4_TENSOR", "llama_intedge--ASYM4_G64", "llama_intedge--INT8_ASYM", "llama_intedgef16--W4A16_ASYM",
    ]

    static func compress(model: String, recipe: Recipe, threads: Int = 2) throws -> TemporaryFolder {
        let folder = TemporaryFolder("int")
        try Compressor.run(model: model, recipe: recipe, output: folder.file("out"), options: OneshotOptions(threads: threads))
        return folder
    }

    static func recipe(_ yaml: String) throws -> Recipe { try Recipe.parse(yaml: yaml, file: "recipe.yaml") }

    /// `models/llama` with rows of layer 0's q_proj made degenerate: row 0 all zero, row 1 all
    /// non-negative, row 2 all non-positive, row 3 the smallest subnormals (one negative), the
    /// first half of row 4 zero. The reference was made from the same bits. With `f16`, every
    /// tensor is then rounded to f16 (as torch's `.to(torch.float16)`; the subnormals become zeros).
    static func edgeModel(in folder: TemporaryFolder, f16: Bool = false) throws -> String {
        let source = try Checkpoint(directory: Fixtures.path("models/llama"))
        let path = folder.file("llama_intedge")
        var builder = ModelBuilder(modelType: "llama")
        for tensor in source.tensors {
            var bytes = Array(source.data(tensor))
            if tensor.name == "model.layers.0.self_attn.q_proj.weight" {
                let columns = tensor.info.shape[1]
                bytes.withUnsafeMutableBytes { raw in
                    let w = raw.bindMemory(to: UInt16.self)
                    for c in 0..<columns {
                        w[c] = 0
                        w[columns + c] &= 0x7FFF
                        w[2 * columns + c] |= 0x8000
                        w[3 * columns + c] = c == 0 ? 0x8001 : 0x0001
                        if c < 64 { w[4 * columns + c] = 0 }
                    }
                }
            }
            if f16 {
                bytes.withUnsafeMutableBytes { raw in
                    for (i, b) in raw.bindMemory(to: UInt16.self).enumerated() { raw.storeBytes(of: F16.bits(BF16.float(b)), toByteOffset: 2 * i, as: UInt16.self) }
                }
            }
            builder.tensors.append((tensor.name, f16 ? .f16 : tensor.info.dtype, tensor.info.shape, bytes))
        }
        try builder.write(to: path)
        try FileManager.default.removeItem(atPath: path + "/config.json")
        try FileManager.default.copyItem(atPath: Fixtures.path("models/llama/config.json"), toPath: path + "/config.json")
        return path
    }

    @Test(arguments: references)
    func matchesLlmCompressor(_ reference: String) throws {
        let name = String(reference[..<reference.range(of: "--")!.lowerBound])
        let inputs = TemporaryFolder("int-input")
        let model = switch name {
        case "tiny-llama": Fixtures.path(name)
        case "llama_intedge": try Self.edgeModel(in: inputs)
        case "llama_intedgef16": try Self.edgeModel(in: inputs, f16: true)
        default: Fixtures.path("models/" + name)
        }
        let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
        let folder = try Self.compress(model: model, recipe: recipe)
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
        let differences = try manifest.differences(from: folder.file("out"), renames: name == "mixtral" ? Self.mixtralRenames : [])
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    @Test(arguments: [1, 3])
    func outputDoesNotDependOnThreads(threads: Int) throws {
        for reference in ["tiny-llama--W4A16_ASYM", "tiny-llama--W8A8", "llama--ASYM4_TENSOR"] {
            let model = reference.hasPrefix("tiny") ? Fixtures.path("tiny-llama") : Fixtures.path("models/llama")
            let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
            let folder = try Self.compress(model: model, recipe: recipe, threads: threads)
            let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
            #expect(try manifest.differences(from: folder.file("out")).isEmpty, "\(reference)")
        }
    }

    // MARK: Group divisibility

    static func groupRecipe(bypass: Bool) -> String {
        """
        QuantizationModifier:
          targets: [Linear]
          scheme: W4A16
          ignore: [lm_head]
          bypass_divisibility_checks: \(bypass)
        """
    }

    /// llm-compressor refuses layers whose columns are not a multiple of the group size, naming
    /// them; with `bypass_divisibility_checks` it fails on them later (its observer cannot split
    /// the rows into groups), so we refuse them either way, naming the tensor.
    @Test(arguments: [false, true])
    func columnsOutsideWholeGroupsAreRefused(bypass: Bool) throws {
        let folder = TemporaryFolder("int-groups")
        try ModelBuilder.llama(hidden: 96).write(to: folder.file("in"))
        do {
            try Compressor.run(model: folder.file("in"), recipe: try Self.recipe(Self.groupRecipe(bypass: bypass)), output: folder.file("out"))
            Issue.record("expected an error")
        } catch let error as ModifierError {
            guard case let .unquantizableWeight(tensor, reason) = error else { Issue.record("\(error)"); return }
            #expect(tensor.hasPrefix("model.layers.0.") && tensor.hasSuffix(".weight"))
            #expect(reason.contains("not divisible by group_size 128"))
            #expect(error.description.contains(tensor))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    /// Fewer columns than one group is refused too (llm-compressor's observer fails on it).
    @Test func columnsBelowOneGroupAreRefused() throws {
        let folder = TemporaryFolder("int-groups")
        try ModelBuilder.llama(hidden: 32).write(to: folder.file("in"))
        #expect(throws: ModifierError.self) {
            try Compressor.run(model: folder.file("in"), recipe: try Self.recipe(Self.groupRecipe(bypass: false)), output: folder.file("out"))
        }
    }

    // MARK: Other dtypes: dequantized values stay on the scale grid

    static func customRecipe(bits: Int, symmetric: Bool, strategy: String, groupSize: Int? = nil) -> String {
        """
        QuantizationModifier:
          ignore: [lm_head]
          config_groups:
            group_0:
              targets: [Linear]
              weights: {num_bits: \(bits), type: int, symmetric: \(symmetric), strategy: \(strategy)\(groupSize.map { ", group_size: \($0)" } ?? "")}
        """
    }

    /// Widens a value of `dtype` at element `i` of `bytes`.
    static func float(_ bytes: UnsafeRawBufferPointer, _ i: Int, _ dtype: DType) -> Float {
        switch dtype {
        case .bf16: return BF16.float(bytes.load(fromByteOffset: 2 * i, as: UInt16.self))
        case .f16: return F16.float(bytes.load(fromByteOffset: 2 * i, as: UInt16.self))
        default: return bytes.load(fromByteOffset: 4 * i, as: Float.self)
        }
    }

    /// Unpacks value `i` of a row of packed words.
    static func unpacked(_ words: UnsafeRawBufferPointer, row: Int, width: Int, index i: Int, bits: Int) -> Int {
        var field = 0
        for b in 0..<bits {
            let bit = i * bits + b
            let word = words.load(fromByteOffset: 4 * (row * width + bit / 32), as: UInt32.self)
            field |= Int((word >> UInt32(bit % 32)) & 1) << b
        }
        return field - (1 << (bits - 1))
    }

    @Test(arguments: [(DType.f16, 4, true), (.f32, 4, false), (.f16, 3, false), (.f32, 8, true), (.bf16, 5, false)])
    func packedValuesDequantizeWithinHalfAStep(_ dtype: DType, bits: Int, symmetric: Bool) throws {
        let builder = ModelBuilder.llama(hidden: 64, dtype: dtype)
        let folder = TemporaryFolder("int-dtypes")
        try builder.write(to: folder.file("in"))
        try Compressor.run(model: folder.file("in"), recipe: try Self.recipe(Self.customRecipe(bits: bits, symmetric: symmetric, strategy: "group", groupSize: 32)),
                           output: folder.file("out"))
        let out = try Checkpoint(directory: folder.file("out"))
        let module = "model.layers.0.mlp.down_proj"
        let original = builder.tensors.first { $0.name == module + ".weight" }!
        let rows = original.shape[0], columns = original.shape[1], groups = columns / 32
        let packed = try #require(out.tensor(named: module + ".weight_packed"))
        let scale = try #require(out.tensor(named: module + ".weight_scale"))
        #expect(scale.info.dtype == dtype && scale.info.shape == [rows, groups])
        #expect(packed.info.shape == [rows, (columns * bits + 31) / 32])
        var zeroPoints = [Int](repeating: 0, count: rows * groups)
        if !symmetric {
            let zp = try #require(out.tensor(named: module + ".weight_zero_point"))
            let height = (rows * bits + 31) / 32
            #expect(zp.info.dtype == .i32 && zp.info.shape == [height, groups])
            for g in 0..<groups { for r in 0..<rows {
                // Packed along dimension 0: column g of the zero points is one packed row of the transpose.
                var field = 0
                for b in 0..<bits {
                    let bit = r * bits + b
                    let word = out.data(zp).load(fromByteOffset: 4 * ((bit / 32) * groups + g), as: UInt32.self)
                    field |= Int((word >> UInt32(bit % 32)) & 1) << b
                }
                zeroPoints[r * groups + g] = field - (1 << (bits - 1))
            } }
        }
        let qmin = -(1 << (bits - 1)), qmax = (1 << (bits - 1)) - 1
        try original.bytes.withUnsafeBytes { input in
            for r in 0..<rows { for c in 0..<columns {
                let s = Self.float(out.data(scale), r * groups + c / 32, dtype)
                let q = Self.unpacked(out.data(packed), row: r, width: packed.info.shape[1], index: c, bits: bits)
                let zp = zeroPoints[r * groups + c / 32]
                try #require((qmin...qmax).contains(q) && (qmin...qmax).contains(zp))
                let restored = Float(q - zp) * s, value = Self.float(input, r * columns + c, dtype)
                // Half a step, plus the rounding of the quotient to the dtype.
                let tolerance: Float = s * 0.5 + abs(value) * 0x1p-7 + 1e-6
                #expect(abs(restored - value) <= tolerance, "row \(r) column \(c)")
            } }
        }
    }

    @Test(arguments: [DType.f16, .f32])
    func int8ChannelWeightsDequantizeWithinHalfAStep(_ dtype: DType) throws {
        let builder = ModelBuilder.llama(hidden: 64, dtype: dtype)
        let folder = TemporaryFolder("int-dtypes")
        try builder.write(to: folder.file("in"))
        try Compressor.run(model: folder.file("in"), recipe: try Self.recipe("QuantizationModifier:\n  targets: [Linear]\n  scheme: W8A8\n  ignore: [lm_head]\n"),
                           output: folder.file("out"))
        let out = try Checkpoint(directory: folder.file("out"))
        let module = "model.layers.0.self_attn.o_proj"
        let original = builder.tensors.first { $0.name == module + ".weight" }!
        let weight = try #require(out.tensor(named: module + ".weight")), scale = try #require(out.tensor(named: module + ".weight_scale"))
        #expect(weight.info.dtype == .i8 && scale.info.dtype == dtype && scale.info.shape == [64, 1])
        let codes = out.data(weight).bindMemory(to: Int8.self)
        original.bytes.withUnsafeBytes { input in
            for r in 0..<64 {
                let s = Self.float(out.data(scale), r, dtype)
                #expect(codes[(r * 64)..<(r * 64 + 64)].map { abs(Int($0)) }.max()! >= 126)
                for c in 0..<64 {
                    let value = Self.float(input, r * 64 + c, dtype)
                    let tolerance: Float = s * 0.5 + abs(value) * 0x1p-7 + 1e-6
                    #expect(abs(Float(codes[r * 64 + c]) * s - value) <= tolerance)
                }
            }
        }
    }

    @Test func nonFiniteWeightsAreRefused() throws {
        var builder = ModelBuilder.llama(hidden: 128)
        let index = builder.tensors.firstIndex { $0.name == "model.layers.0.mlp.up_proj.weight" }!
        builder.tensors[index].bytes[2 * 128 * 5 + 1] = 0x7F
        builder.tensors[index].bytes[2 * 128 * 5] = 0xC0
        let folder = TemporaryFolder("int-nan")
        try builder.write(to: folder.file("in"))
        #expect(throws: ModifierError.nonFinite(tensor: "model.layers.0.mlp.up_proj.weight", row: 5)) {
            try Compressor.run(model: folder.file("in"), recipe: try Self.recipe(Self.groupRecipe(bypass: false)), output: folder.file("out"))
        }
    }

    // MARK: Packing

    /// Fields run through a little-endian bit stream; 3-bit fields straddle words.
    @Test func packingFollowsTheBitStream() {
        let values: [Int8] = (0..<40).map { Int8($0 % 8) - 4 }
        var words = [UInt32](repeating: 0, count: Int32Packing.wordCount(40, bits: 3))
        values.withUnsafeBufferPointer { v in words.withUnsafeMutableBufferPointer { Int32Packing.pack(v.baseAddress!, count: 40, bits: 3, into: $0.baseAddress!) } }
        #expect(words.count == 4)
        var stream: [Int] = []
        for w in words { for b in 0..<32 { stream.append(Int((w >> UInt32(b)) & 1)) } }
        for (i, v) in values.enumerated() {
            let field = (0..<3).reduce(0) { $0 | stream[i * 3 + $1] << $1 }
            #expect(field == Int(v) + 4, "value \(i)")
        }
        #expect(stream[120...].allSatisfy { $0 == 0 })
    }

    @Test(arguments: [1, 2, 4, 8])
    func alignedPackingMatchesTheGenericStream(bits: Int) {
        let count = 77
        let levels = 1 << bits, offset = levels / 2
        let values: [Int8] = (0..<count).map { (i: Int) -> Int8 in Int8((i * 37 + 11) % levels - offset) }
        var words = [UInt32](repeating: 0, count: Int32Packing.wordCount(count, bits: bits))
        values.withUnsafeBufferPointer { v in words.withUnsafeMutableBufferPointer { Int32Packing.pack(v.baseAddress!, count: count, bits: bits, into: $0.baseAddress!) } }
        for (i, v) in values.enumerated() {
            let bit = i * bits
            let field = Int((words[bit / 32] >> UInt32(bit % 32)) & UInt32(levels - 1))
            #expect(field == Int(v) + offset, "value \(i)")
        }
    }
}
