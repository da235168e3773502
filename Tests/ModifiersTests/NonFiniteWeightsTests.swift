import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// Weights holding NaN or Inf: refused by default, naming the tensor and row; quantized with
/// `rejectNonFinite: false` as `NonFiniteWeights` documents, which is llm-compressor's output value
/// for value for FP8, FP8_BLOCK, the integer schemes and NVFP4, and a NaN scale per group for MX.
@Suite struct NonFiniteWeightsTests {
    /// References made by `scripts/make-degenerate-references.py` from `model(in:)`.
    static let references = ["FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "W4A16", "W4A16_ASYM", "NVFP4A16"]
    static let qProj = "model.layers.0.self_attn.q_proj"
    static let downProj = "model.layers.1.mlp.down_proj"

    /// `models/llama` with, as bf16 bits: in layer 0's q_proj a NaN at [0, 5], +Inf at [1, 3],
    /// -Inf at [2, 7] and row 3 all negative NaN (0xFFC0); in layer 1's down_proj +Inf at [4, 9].
    static func model(in folder: TemporaryFolder) throws -> String {
        let path = folder.file("llama_nonfinite")
        try ModelBuilder.writeCopy(of: Fixtures.path("models/llama"), to: path) { name, shape, bytes in
            if name == qProj + ".weight" {
                for (row, column, bits) in [(0, 5, 0x7FC0), (1, 3, 0x7F80), (2, 7, 0xFF80)] as [(Int, Int, UInt16)] {
                    ModelBuilder.setBF16(&bytes, row: row, column: column, columns: shape[1], bits)
                }
                for c in 0..<shape[1] { ModelBuilder.setBF16(&bytes, row: 3, column: c, columns: shape[1], 0xFFC0) }
            }
            if name == downProj + ".weight" { ModelBuilder.setBF16(&bytes, row: 4, column: 9, columns: shape[1], 0x7F80) }
        }
        return path
    }

    static func recipe(_ scheme: String) throws -> Recipe {
        try Recipe.parse(yaml: "QuantizationModifier:\n  targets: [Linear]\n  ignore: [lm_head]\n  scheme: \(scheme)\n", file: "recipe.yaml")
    }

    static func compress(_ model: String, _ recipe: Recipe, into folder: TemporaryFolder, allow: Bool = true) throws -> Checkpoint {
        try Compressor.run(model: model, recipe: recipe, output: folder.file("out"),
                           options: OneshotOptions(threads: 2, rejectNonFinite: !allow))
        return try Checkpoint(directory: folder.file("out"))
    }

    @Test(arguments: ["FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "W4A16_ASYM", "NVFP4A16", "MXFP4A16", "MXFP6A16", "MXFP8A16"])
    func refusedByDefault(_ scheme: String) throws {
        let folder = TemporaryFolder("nonfinite")
        let model = try Self.model(in: folder)
        #expect(throws: ModifierError.nonFinite(tensor: Self.qProj + ".weight", row: 0)) {
            try Compressor.run(model: model, recipe: try Self.recipe(scheme), output: folder.file("out"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["llama_nonfinite"])
    }

    @Test(arguments: references)
    func allowedTheyGiveLlmCompressorsValues(_ scheme: String) throws {
        let inputs = TemporaryFolder("nonfinite-in")
        let reference = "references/llama_nonfinite--\(scheme)"
        let recipe = try Recipe.load(path: Fixtures.path(reference + "/recipe.yaml"))
        let folder = TemporaryFolder("nonfinite")
        _ = try Self.compress(try Self.model(in: inputs), recipe, into: folder)
        let manifest = try ReferenceManifest(path: Fixtures.path(reference + "/manifest.json"))
        let differences = try manifest.differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// The NaN scales are the canonical positive NaN and the Inf scales +Inf, in whatever dtype.
    @Test func fp8ScalesOfNonFiniteRows() throws {
        let folder = TemporaryFolder("nonfinite")
        let out = try Self.compress(try Self.model(in: folder), try Self.recipe("FP8_DYNAMIC"), into: folder)
        let scale = out.data(out.tensor(named: Self.qProj + ".weight_scale")!).bindMemory(to: UInt16.self)
        #expect(Array(scale[0..<4]) == [0x7FC0, 0x7F80, 0x7F80, 0x7FC0])
        let codes = out.data(out.tensor(named: Self.qProj + ".weight")!)
        #expect(codes[0..<128].allSatisfy { $0 == 0x7F })
        #expect(codes[128 + 3] == 0x7F && codes[256 + 7] == 0x7F)
        #expect(codes[128..<384].filter { $0 != 0 }.count == 2)
    }

    /// MX groups holding NaN or Inf get the E8M0 NaN scale and NaN values (zero for FP4 and FP6);
    /// every other group is what the finite model gives. A group of 32 values is `valueBytes` bytes.
    @Test(arguments: [("MXFP4A16", "weight_packed", 16), ("MXFP6A16", "weight_packed", 24), ("MXFP8A16", "weight", 32)])
    func mxGroupsWithNaNOrInfGetTheNaNScale(_ scheme: String, _ valuesName: String, _ valueBytes: Int) throws {
        let folder = TemporaryFolder("nonfinite")
        let finiteFolder = TemporaryFolder("nonfinite-finite")
        let out = try Self.compress(try Self.model(in: folder), try Self.recipe(scheme), into: folder)
        let finite = try Self.compress(Fixtures.path("models/llama"), try Self.recipe(scheme), into: finiteFolder, allow: false)
        let nonFiniteGroups: [String: Set<[Int]>] = [
            Self.qProj: [[0, 0], [1, 0], [2, 0], [3, 0], [3, 1], [3, 2], [3, 3]],
            Self.downProj: [[4, 0]],
        ]
        for t in finite.tensors {
            let ours = Array(out.data(out.tensor(named: t.name)!)), theirs = Array(finite.data(t))
            let module = String(t.name[..<t.name.lastIndex(of: ".")!])
            guard let bad = nonFiniteGroups[module] else {
                #expect(ours == theirs, "\(t.name)")
                continue
            }
            let isScale = t.name.hasSuffix(".weight_scale")
            let groupBytes = isScale ? 1 : valueBytes
            let groupsPerRow = t.info.shape[1] / groupBytes
            for row in 0..<t.info.shape[0] {
                for group in 0..<groupsPerRow {
                    let range = (row * groupsPerRow + group) * groupBytes..<(row * groupsPerRow + group + 1) * groupBytes
                    if bad.contains([row, group]) {
                        let expected: UInt8 = isScale ? 0xFF : (valuesName == "weight" ? 0x7F : 0)
                        #expect(ours[range].allSatisfy { $0 == expected }, "\(t.name) row \(row) group \(group)")
                    } else {
                        #expect(ours[range] == theirs[range], "\(t.name) row \(row) group \(group)")
                    }
                }
            }
        }
    }
}
