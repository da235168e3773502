import Checkpoint
import CompressedTensors
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// The float schemes beyond FP8 per channel (FP8_BLOCK, NVFP4A16, MXFP4A16, MXFP4, MXFP8A16, MXFP8,
/// FP8 per tensor for weights alone) give llm-compressor 0.14's output: every tensor byte for byte
/// and the quantization_config. Each reference folder holds the recipe llm-compressor saved,
/// which is also the recipe we apply.
@Suite struct FloatSchemesTests {
    static let mixtralRenames = [("w1", "gate_proj"), ("w2", "down_proj"), ("w3", "up_proj")]

    /// Folders of `Tests/Fixtures/references`, named `MODEL--SCHEME`; MODEL is the input, in
    /// `Tests/Fixtures/models` (`tiny-llama` in `Tests/Fixtures`).
    static let references: [String] = [
        "tiny-llama--FP8_BLOCK", "tiny-llama--NVFP4A16", "tiny-llama--MXFP4A16",
        "llama--FP8_BLOCK", "llama--NVFP4A16", "llama--MXFP4A16", "llama--MXFP4", "llama--MXFP8A16", "llama--MXFP8",
        "llama--FP8_TENSOR_WEIGHTS",
        "mixtral--FP8_BLOCK", "mixtral--NVFP4A16", "mixtral--MXFP4A16", "mixtral--MXFP4", "mixtral--MXFP8A16",
        "llama_f16--FP8_BLOCK", "llama_f16--NVFP4A16", "llama_f16--MXFP4A16", "llama_f16--MXFP8A16",
        "llama_f32--FP8_BLOCK", "llama_f32--NVFP4A16", "llama_f32--MXFP4A16", "llama_f32--MXFP8A16",
        "llama_edge--FP8_BLOCK",
    ]

    /// The input model of a reference.
    static func model(of reference: String) -> String {
        let name = String(reference[..<reference.range(of: "--")!.lowerBound])
        return name == "tiny-llama" ? name : "models/" + name
    }

    static func compress(model: String, recipe: Recipe, threads: Int = 2) throws -> TemporaryFolder {
        let folder = TemporaryFolder("float")
        try Compressor.run(model: Fixtures.path(model), recipe: recipe, output: folder.file("out"),
                           options: OneshotOptions(threads: threads))
        return folder
    }

    /// How our output of the reference's recipe on its model differs from the reference.
    static func differences(from reference: String) throws -> [String] {
        let model = Self.model(of: reference)
        let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
        let folder = try Self.compress(model: model, recipe: recipe)
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
        return try manifest.differences(from: folder.file("out"), renames: model.hasSuffix("mixtral") ? Self.mixtralRenames : [])
    }

    @Test(arguments: references)
    func matchesLlmCompressor(_ reference: String) throws {
        let differences = try Self.differences(from: reference)
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    @Test(arguments: [1, 3])
    func outputDoesNotDependOnThreads(threads: Int) throws {
        for scheme in ["NVFP4A16", "MXFP4A16", "FP8_BLOCK"] {
            let recipe = try Recipe.load(path: Fixtures.path("references/tiny-llama--\(scheme)/recipe.yaml"))
            let folder = try Self.compress(model: "tiny-llama", recipe: recipe, threads: threads)
            let manifest = try ReferenceManifest(path: Fixtures.path("references/tiny-llama--\(scheme)/manifest.json"))
            #expect(try manifest.differences(from: folder.file("out")).isEmpty, "\(scheme)")
        }
    }

    /// llm-compressor makes q/k/v (and gate/up) of a layer share one global scale, from their
    /// joint largest magnitude; o_proj and down_proj keep their own.
    @Test func fusedLayersShareTheGlobalScale() throws {
        var model = ModelBuilder.llama(hidden: 32)
        // k_proj holds the layer's largest attention weight, up_proj the largest MLP weight.
        model.tensors.removeAll { $0.name.hasSuffix("k_proj.weight") || $0.name.hasSuffix("up_proj.weight") }
        model.bf16("model.layers.0.self_attn.k_proj.weight", [32, 32], (0..<1024).map { $0 == 100 ? 3.0 : 0.01 })
        model.bf16("model.layers.0.mlp.up_proj.weight", [64, 32], (0..<2048).map { $0 == 5 ? -0.75 : 0.02 })
        let input = TemporaryFolder("fused")
        try model.write(to: input.file("model"))
        let folder = TemporaryFolder("fused-out")
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  targets: Linear\n  scheme: NVFP4A16\n  ignore: [lm_head]\n", file: "recipe.yaml")
        try Compressor.run(model: input.file("model"), recipe: recipe, output: folder.file("out"))
        let out = try Checkpoint(directory: folder.file("out"))
        func globalScale(_ module: String) throws -> Float {
            let tensor = try #require(out.tensor(named: "model.layers.0.\(module).weight_global_scale"))
            return Array(out.data(tensor)).withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
        }
        // dtype(dtype(1 / m) * 2688) in bf16: 1/3 -> 0.333984375, times 2688 -> 897.75 -> 896.
        for module in ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"] {
            #expect(try globalScale(module) == 896, "\(module)")
        }
        let mlp = NVFP4Quantizer.globalScale(BF16Storage.self, absmax: 0.75)
        #expect(try globalScale("mlp.gate_proj") == mlp)
        #expect(try globalScale("mlp.up_proj") == mlp)
        #expect(try globalScale("self_attn.o_proj") != 896)
    }

    /// A fused group cannot mix NVFP4 with another scheme: llm-compressor refuses it too.
    @Test func aFusedGroupMustBeQuantizedAlike() throws {
        let input = TemporaryFolder("fused")
        try ModelBuilder.llama(hidden: 32).write(to: input.file("model"))
        let recipe = try Recipe.parse(yaml: """
            QuantizationModifier:
              targets: Linear
              scheme: NVFP4A16
              ignore: [lm_head, "re:.*k_proj"]
            """, file: "recipe.yaml")
        #expect(throws: ModifierError.self) { try OneshotPlan(model: input.file("model"), recipe: recipe) }
    }

    /// Tiles at the right and bottom edges are partial: their scale is the largest magnitude of
    /// the elements they have.
    @Test func blockEdgesArePartialTiles() throws {
        let rows = 130, columns = 260
        var model = ModelBuilder(modelType: "llama")
        model.bf16("model.layers.0.mlp.down_proj.weight", [rows, columns],
                   (0..<(rows * columns)).map { i in (i / columns >= 128 && i % columns >= 256) ? Float(i % 7) : 0.5 })
        let input = TemporaryFolder("block")
        try model.write(to: input.file("model"))
        let folder = TemporaryFolder("block-out")
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  targets: Linear\n  scheme: FP8_BLOCK\n", file: "recipe.yaml")
        try Compressor.run(model: input.file("model"), recipe: recipe, output: folder.file("out"))
        let out = try Checkpoint(directory: folder.file("out"))
        let scale = try #require(out.tensor(named: "model.layers.0.mlp.down_proj.weight_scale"))
        #expect(scale.info.shape == [2, 3])
        #expect(scale.info.dtype == .bf16)
        let bits = Array(out.data(scale)).withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        #expect(bits.map(BF16.float) == [0.5, 0.5, 0.5, 0.5, 0.5, 6].map { BF16.float(BF16.bits($0 / 448)) })
    }

    /// The branch-free FP4 code agrees with the reference encoder on every bf16 value and on
    /// float32 values at and beside every threshold.
    @Test func fp4NibbleMatchesTheReferenceEncoder() {
        var values = (0...0xFFFF).map { BF16.float(UInt16($0)) }.filter { !$0.isNaN }
        for t: Float in [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 5, 6, 7, .greatestFiniteMagnitude, .infinity] {
            values += [t, t.nextUp, t.nextDown, -t, -t.nextUp, -t.nextDown, .leastNonzeroMagnitude, -.leastNonzeroMagnitude]
        }
        let mismatches = values.filter { FP4Nibble.code($0) != FP4E2M1.encode($0) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test(arguments: ["NVFP4", "FP8"])
    func schemesWithStaticActivationsNeedCalibration(_ scheme: String) throws {
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  targets: Linear\n  scheme: \(scheme)\n", file: "recipe.yaml")
        let plan = try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: recipe)
        #expect(plan.requiresCalibration)
        let folder = TemporaryFolder("float")
        do {
            _ = try Compressor.run(plan, output: folder.file("out"), options: OneshotOptions())
            Issue.record("\(scheme) ran without calibration data")
        } catch {
            guard case .needsCalibration = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("--dataset"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test func groupSchemesRejectColumnsOutsideWholeGroups() throws {
        let recipe = try Recipe.load(path: Fixtures.path("references/tiny-llama--MXFP4A16/recipe.yaml"))
        #expect(throws: ModifierError.self) { _ = try Self.compress(model: "models/llama_edge", recipe: recipe) }
    }

    @Test func aForcedFormatMustHoldTheWeights() throws {
        func recipe(_ format: String) throws -> Recipe {
            try Recipe.parse(yaml: """
                QuantizationModifier:
                  config_groups:
                    fp8:
                      targets: [Linear]
                      weights: {num_bits: 8, type: float, strategy: channel}
                      format: \(format)
                """, file: "recipe.yaml")
        }
        #expect(try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: recipe("float-quantized")).formats == ["float-quantized"])
        #expect(throws: ModifierError.compressedTensors(.unsupportedScheme(group: "fp8", reason: "format 'pack-quantized' cannot hold 8-bit float weights with strategy channel (naive-quantized or float-quantized)"))) {
            try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: recipe("pack-quantized"))
        }
    }
}
