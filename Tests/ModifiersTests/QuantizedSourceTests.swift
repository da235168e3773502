import Checkpoint
import CompressedTensors
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// FP8-block checkpoints (`quant_method: fp8`, 128×128 `weight_scale_inv`) as input: each weight is
/// dequantized as compressed-tensors' `FP8BlockDequantizer` does, then quantized by the recipe,
/// giving llm-compressor 0.14's tensors and quantization_config (`scripts/make-fp8-block-fixture.py`).
@Suite struct QuantizedSourceTests {
    /// Folders of `Tests/Fixtures/references` named `MODEL--SCHEME`, MODEL in `Tests/Fixtures/models`.
    static let references = [
        "llama_fp8block--W4A16", "llama_fp8block--NVFP4A16", "llama_fp8block--FP8_DYNAMIC",
        "llama_fp8block_edge--NVFP4A16", "llama_fp8block_edge--FP8_DYNAMIC",
    ]

    static func model(of reference: String) -> String {
        "models/" + String(reference[..<reference.range(of: "--")!.lowerBound])
    }

    @Test(arguments: references)
    func matchesLlmCompressor(_ reference: String) throws {
        let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
        let folder = TemporaryFolder("fp8-source")
        try Compressor.run(model: Fixtures.path(Self.model(of: reference)), recipe: recipe, output: folder.file("out"),
                           options: OneshotOptions(threads: 2))
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
        let differences = try manifest.differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// The planner sees each FP8 weight as the BF16 weight it stands for, and no `weight_scale_inv`.
    @Test func thePlanSeesBF16WeightsAndNoSourceScales() throws {
        let recipe = try Recipe.load(path: Fixtures.path("references/llama_fp8block--W4A16/recipe.yaml"))
        let plan = try OneshotPlan(model: Fixtures.path("models/llama_fp8block"), recipe: recipe)
        let names = plan.quantization.entries.map(\.tensor.name)
        #expect(!names.contains { $0.hasSuffix("weight_scale_inv") })
        let down = try #require(plan.quantization.entries.first { $0.tensor.name == "model.layers.0.mlp.down_proj.weight" })
        #expect(down.tensor.info.dtype == .bf16)
        #expect(down.tensor.info.shape == [256, 384])
        #expect(plan.checkpoint.config?.json["quantization_config"] == nil)
        #expect(plan.quantizationConfig["quant_method"]?.stringValue == "compressed-tensors")
    }

    /// The dequantized weights are FP8BlockDequantizer's, byte for byte, whatever the thread count.
    @Test(arguments: [("llama_fp8block", 1), ("llama_fp8block", 3), ("llama_fp8block_edge", 2)])
    func dequantizesAsFP8BlockDequantizer(model: String, threads: Int) throws {
        let source = try DequantizedSource.open(try Checkpoint(directory: Fixtures.path("models/" + model)))
        source.computeThreads = threads
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(model)--DEQUANTIZED/manifest.json"))
        #expect(Set(source.tensors.map(\.name)) == Set(manifest.tensors.keys))
        for tensor in source.tensors {
            let expected = try #require(manifest.tensors[tensor.name])
            #expect(tensor.info.dtype.rawValue == expected.dtype, "\(tensor.name)")
            #expect(SHA256.hex(source.data(tensor)) == expected.sha256, "\(tensor.name)")
            source.release(tensor)
        }
    }
}
