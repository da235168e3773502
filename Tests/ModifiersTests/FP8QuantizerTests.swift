import Checkpoint
import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport

/// FP8 weight arithmetic on inputs the reference does not cover: f16 and f32 weights, zero rows,
/// non-finite values, sharded output.
@Suite struct FP8QuantizerTests {
    static let recipe = try! Recipe.parse(yaml: "QuantizationModifier:\n  targets: [Linear]\n  scheme: FP8_DYNAMIC\n  ignore: [lm_head]\n", file: "r.yaml")

    static func run(_ builder: ModelBuilder, recipe: Recipe = recipe,
                    maxShardBytes: Int = ShardPlan.defaultMaxShardBytes) throws -> (TemporaryFolder, Checkpoint) {
        let folder = TemporaryFolder("fp8")
        try builder.write(to: folder.file("in"))
        try Compressor.run(model: folder.file("in"), recipe: recipe, output: folder.file("out"),
                           options: OneshotOptions(maxShardBytes: maxShardBytes))
        return (folder, try Checkpoint(directory: folder.file("out")))
    }

    /// Decodes a weight and its per-row scale back to floats.
    static func dequantized(_ c: Checkpoint, _ module: String, scale: (UnsafeRawBufferPointer, Int) -> Float) -> [[Float]] {
        let w = c.tensor(named: module + ".weight")!, s = c.tensor(named: module + ".weight_scale")!
        let rows = w.info.shape[0], cols = w.info.shape[1]
        let codes = Array(c.data(w)), scales = c.data(s)
        return (0..<rows).map { r in (0..<cols).map { FP8E4M3.decode(codes[r * cols + $0]) * scale(scales, r) } }
    }

    @Test(arguments: [DType.f16, DType.f32])
    func otherFloatTypesKeepTheirScaleDType(_ dtype: DType) throws {
        let (folder, out) = try Self.run(.llama(dtype: dtype))
        let scale = try #require(out.tensor(named: "model.layers.0.self_attn.q_proj.weight_scale"))
        #expect(scale.info.dtype == dtype)
        #expect(scale.info.shape == [32, 1])
        // The largest magnitude of each row maps to ±448 (code 0x7E/0xFE), up to the scale's rounding.
        let weight = try #require(out.tensor(named: "model.layers.0.self_attn.q_proj.weight"))
        let codes = Array(out.data(weight))
        for r in 0..<32 {
            let row = codes[(r * 32)..<(r * 32 + 32)]
            #expect(row.contains { $0 & 0x7F >= 0x7D }, "row \(r)")
        }
        _ = folder
    }

    @Test func f32WeightsDequantizeCloseToTheOriginal() throws {
        let builder = ModelBuilder.llama(dtype: .f32)
        let (folder, out) = try Self.run(builder)
        let original = builder.tensors.first { $0.name == "model.layers.0.mlp.up_proj.weight" }!
        let values = original.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let restored = Self.dequantized(out, "model.layers.0.mlp.up_proj") { s, r in s.load(fromByteOffset: r * 4, as: Float.self) }
        for r in 0..<64 {
            let absmax = values[(r * 32)..<(r * 32 + 32)].map(abs).max()!
            for c in 0..<32 {
                // E4M3 keeps 3 mantissa bits: relative error at most 1/16 of the row's scale grid.
                #expect(abs(restored[r][c] - values[r * 32 + c]) <= absmax / 448 * 16 + 1e-7)
            }
        }
        _ = folder
    }

    @Test func aZeroRowGetsTheEpsScale() throws {
        var b = ModelBuilder.llama()
        let index = b.tensors.firstIndex { $0.name == "model.layers.0.self_attn.k_proj.weight" }!
        for i in 0..<64 { b.tensors[index].bytes[i] = 0 } // row 0 of a 32-column bf16 weight
        let (folder, out) = try Self.run(b)
        let scale = out.data(out.tensor(named: "model.layers.0.self_attn.k_proj.weight_scale")!)
        #expect(scale.load(fromByteOffset: 0, as: UInt16.self) == BF16.bits(0x1p-7))
        let weight = out.data(out.tensor(named: "model.layers.0.self_attn.k_proj.weight")!)
        #expect(weight[0..<32].allSatisfy { $0 == 0 })
        _ = folder
    }

    /// compressed-tensors adds the symmetric zero point before the FP8 cast, which stores an exact
    /// `-0.0` weight as +0 (0x00); a negative weight that only rounds to zero keeps its sign (0x80).
    @Test(arguments: ["FP8_DYNAMIC", "FP8_BLOCK", "MXFP8A16"])
    func negativeZeroIsStoredAsCompressedTensorsStoresIt(_ scheme: String) throws {
        var b = ModelBuilder.llama()
        let index = b.tensors.firstIndex { $0.name == "model.layers.0.self_attn.q_proj.weight" }!
        let tiny = BF16.bits(-1e-30)
        b.tensors[index].bytes.replaceSubrange(0..<4, with: [0x00, 0x80, UInt8(tiny & 0xFF), UInt8(tiny >> 8)])
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  targets: [Linear]\n  scheme: \(scheme)\n  ignore: [lm_head]\n",
                                      file: "r.yaml")
        let (folder, out) = try Self.run(b, recipe: recipe)
        let codes = out.data(out.tensor(named: "model.layers.0.self_attn.q_proj.weight")!)
        #expect(codes[0] == 0x00)
        #expect(codes[1] == 0x80)
        _ = folder
    }

    @Test(arguments: [Float.nan, Float.infinity, -Float.infinity])
    func nonFiniteWeightsAreRefusedByName(_ bad: Float) throws {
        var b = ModelBuilder.llama()
        let index = b.tensors.firstIndex { $0.name == "model.layers.0.mlp.gate_proj.weight" }!
        let bits = BF16.bits(bad)
        b.tensors[index].bytes[5 * 32 * 2 + 6] = UInt8(bits & 0xFF)
        b.tensors[index].bytes[5 * 32 * 2 + 7] = UInt8(bits >> 8)
        let folder = TemporaryFolder("fp8")
        try b.write(to: folder.file("in"))
        #expect(throws: ModifierError.nonFinite(tensor: "model.layers.0.mlp.gate_proj.weight", row: 5)) {
            try Compressor.run(model: folder.file("in"), recipe: Self.recipe, output: folder.file("out"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["in"])
    }

    @Test func shardedOutputHoldsTheSameTensors() throws {
        let (folderA, one) = try Self.run(.llama(layers: 2))
        let (folderB, many) = try Self.run(.llama(layers: 2), maxShardBytes: 8_000)
        #expect(many.shards.count > 2)
        #expect(many.indexPath != nil)
        for t in one.tensors {
            #expect(Array(many.data(many.tensor(named: t.name)!)) == Array(one.data(t)), "\(t.name)")
        }
        _ = (folderA, folderB)
    }
}
