import Checkpoint
import CompressedTensors
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// Quantized checkpoints as input (`scripts/make-fp8-block-fixture.py` made the references): FP8-block
/// checkpoints (`quant_method: fp8`, 128×128 `weight_scale_inv`), each weight dequantized as
/// compressed-tensors' `FP8BlockDequantizer` does, then quantized by the recipe, give llm-compressor
/// 0.14's tensors and quantization_config; compressed-tensors checkpoints dequantize as its
/// `CompressedTensorsDequantizer` does; calibration reads the same dequantized weights.
@Suite struct QuantizedSourceTests {
    /// Folders of `Tests/Fixtures/quantized-input` named `MODEL--SCHEME`, MODEL in `Tests/Fixtures/models`.
    static let references = [
        "llama_fp8block--W4A16", "llama_fp8block--NVFP4A16", "llama_fp8block--FP8_DYNAMIC",
        "llama_fp8block_edge--NVFP4A16", "llama_fp8block_edge--FP8_DYNAMIC",
    ]

    /// `oneshot` of reference `MODEL--SCHEME`'s recipe (in `Tests/Fixtures/COLLECTION`) on
    /// `Tests/Fixtures/models/MODEL`, into `out` of the folder.
    static func compress(_ reference: String, from collection: String = "quantized-input") throws -> TemporaryFolder {
        let model = "models/" + String(reference[..<reference.range(of: "--")!.lowerBound])
        let recipe = try Recipe.load(path: Fixtures.path("\(collection)/\(reference)/recipe.yaml"))
        let folder = TemporaryFolder("quantized-source")
        try Compressor.run(model: Fixtures.path(model), recipe: recipe, output: folder.file("out"), options: OneshotOptions(threads: 2))
        return folder
    }

    @Test(arguments: references)
    func matchesLlmCompressor(_ reference: String) throws {
        let folder = try Self.compress(reference)
        let manifest = try ReferenceManifest(path: Fixtures.path("quantized-input/\(reference)/manifest.json"))
        let differences = try manifest.differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// The planner sees each FP8 weight as the BF16 weight it stands for, and no `weight_scale_inv`.
    @Test func thePlanSeesBF16WeightsAndNoSourceScales() throws {
        let recipe = try Recipe.load(path: Fixtures.path("quantized-input/llama_fp8block--W4A16/recipe.yaml"))
        let plan = try OneshotPlan(model: Fixtures.path("models/llama_fp8block"), recipe: recipe)
        let names = plan.quantization.entries.map(\.tensor.name)
        #expect(!names.contains { $0.hasSuffix("weight_scale_inv") })
        let down = try #require(plan.quantization.entries.first { $0.tensor.name == "model.layers.0.mlp.down_proj.weight" })
        #expect(down.tensor.info.dtype == .bf16)
        #expect(down.tensor.info.shape == [256, 384])
        #expect(plan.checkpoint.config?.json["quantization_config"] == nil)
        #expect(plan.quantizationConfig["quant_method"]?.stringValue == "compressed-tensors")
    }

    /// The summary's bytes in are the FP8 checkpoint's stored bytes (codes and scales), not the
    /// BF16 the run expands them to.
    @Test func bytesInAreTheStoredInput() throws {
        let model = Fixtures.path("models/llama_fp8block")
        let recipe = try Recipe.load(path: Fixtures.path("quantized-input/llama_fp8block--FP8_DYNAMIC/recipe.yaml"))
        let plan = try OneshotPlan(model: model, recipe: recipe)
        let folder = TemporaryFolder("quantized-source-bytes")
        let summary = try Compressor.run(plan, output: folder.file("out"), options: OneshotOptions(threads: 1))
        let stored = try Checkpoint(directory: model).totalBytes
        #expect(summary.bytesIn == stored)
        #expect(plan.checkpoint.totalBytes > stored)
    }

    /// The dequantized weights are FP8BlockDequantizer's, byte for byte, whatever the thread count.
    @Test(arguments: [("llama_fp8block", 1), ("llama_fp8block", 3), ("llama_fp8block_edge", 2)])
    func dequantizesAsFP8BlockDequantizer(model: String, threads: Int) throws {
        let source = try DequantizedSource.open(try Checkpoint(directory: Fixtures.path("models/" + model)))
        source.computeThreads = threads
        try Self.expect(source, matches: "quantized-input/\(model)--DEQUANTIZED/manifest.json")
    }

    /// llm-compressor's outputs (which ours are, byte for byte), read as input.
    static let compressedInputs = [
        "llama--W4A16", "llama--W4A16_ASYM", "llama--W8A8", "llama--INT8_ASYM", "llama--ASYM3_CH", "llama--FP8_BLOCK",
        "llama--FP8_TENSOR_WEIGHTS", "llama--NVFP4A16", "llama--MXFP4A16", "llama--MXFP8A16", "llama_f16--FP8_DYNAMIC",
        "llama_f16--W4A16_ASYM", "llama_f32--NVFP4A16", "llama_f32--W8A8",
    ]

    @Test(arguments: compressedInputs)
    func dequantizesAsCompressedTensorsDequantizer(_ reference: String) throws {
        let folder = try Self.compress(reference, from: "references")
        let source = try DequantizedSource.open(try Checkpoint(directory: folder.file("out")))
        source.computeThreads = 2
        try Self.expect(source, matches: "quantized-input/dequantized/\(reference).json")
    }

    /// Calibration (GPTQ here) reads the weights the data-free stream reads: an FP8 input gives what
    /// its dequantized BF16 checkpoint gives.
    @Test func calibrationReadsTheDequantizedWeights() throws {
        let recipe = try Recipe.parse(yaml: "GPTQModifier:\n  targets: Linear\n  scheme: W4A16\n  ignore: [lm_head]\n", file: "recipe.yaml")
        let folder = TemporaryFolder("fp8-gptq")
        let fp8 = Fixtures.path("models/llama_fp8block")
        _ = try Dequantization.run(model: fp8, output: folder.file("bf16"), threads: 2)
        let samples = (0..<3).map { s in (0..<24).map { (s * 37 + $0 * 11) % 256 } }
        for (model, output) in [(fp8, "from-fp8"), (folder.file("bf16"), "from-bf16")] {
            try Compressor.run(model: model, recipe: recipe, output: folder.file(output),
                               options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: samples)))
        }
        let a = try Checkpoint(directory: folder.file("from-fp8")), b = try Checkpoint(directory: folder.file("from-bf16"))
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for tensor in a.tensors {
            let other = try #require(b.tensor(named: tensor.name))
            #expect(Array(a.data(tensor)) == Array(b.data(other)), "\(tensor.name)")
        }
        #expect(a.config == b.config)
    }

    /// Every tensor of `source` has the dtype and SHA-256 the manifest at `manifest` records, and no tensor is missing.
    static func expect(_ source: Checkpoint, matches manifest: String) throws {
        let manifest = try ReferenceManifest(path: Fixtures.path(manifest))
        #expect(Set(source.tensors.map(\.name)) == Set(manifest.tensors.keys))
        for tensor in source.tensors {
            let expected = try #require(manifest.tensors[tensor.name])
            #expect(tensor.info.dtype.rawValue == expected.dtype, "\(tensor.name)")
            #expect(SHA256.hex(source.data(tensor)) == expected.sha256, "\(tensor.name)")
            source.release(tensor)
        }
    }
}
