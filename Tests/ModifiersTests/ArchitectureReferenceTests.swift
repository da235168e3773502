import Checkpoint
import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport

/// FP8_DYNAMIC on tiny models of every architecture in the table, and on f16 and f32 weights, gives
/// llm-compressor 0.14's tensors and quantization_config (routers in `ignore`, tied heads absent,
/// fused layers whole, scales in the weight's dtype).
/// llm-compressor renames Mixtral's experts; we keep the checkpoint's names, so the comparison
/// maps them.
@Suite struct ArchitectureReferenceTests {
    static let architectures = ["llama_tied", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "phi3", "gemma", "gemma2",
                                "llama_f16", "llama_f32"]
    static let mixtralRenames = [("w1", "gate_proj"), ("w2", "down_proj"), ("w3", "up_proj")]

    @Test(arguments: architectures)
    func matchesLlmCompressor(_ architecture: String) throws {
        let folder = TemporaryFolder("arch")
        let recipe = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml")
        try Compressor.run(model: Fixtures.path("models/\(architecture)"), recipe: recipe, output: folder.file("out"))
        let reference = try ReferenceManifest(path: Fixtures.path("references/\(architecture)--FP8_DYNAMIC/manifest.json"))
        let differences = try reference.differences(from: folder.file("out"), renames: architecture == "mixtral" ? Self.mixtralRenames : [])
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// GLM-4-MoE (routers with a score-correction bias, shared experts, biased q/k/v, per-head
    /// norms) under three schemes, against `scripts/make-glm4-moe-references.py`'s references;
    /// NVFP4's global scale is shared over q/k/v and each expert's gate/up.
    @Test(arguments: ["fp8_dynamic", "w4a16", "nvfp4a16"])
    func glm4MoEMatchesLlmCompressor(_ recipeName: String) throws {
        let folder = TemporaryFolder("glm4-moe")
        try Self.expectSameOutput(model: Fixtures.path("models/glm4_moe"), recipe: recipeName, reference: "glm4_moe", in: folder)
    }

    /// Compresses `model` with `recipes/RECIPE.yaml` into `folder/out` and expects the tensors and
    /// config.json of `references/REFERENCE--RECIPE/`.
    static func expectSameOutput(model: String, recipe recipeName: String, reference name: String, in folder: TemporaryFolder) throws {
        let recipe = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/\(recipeName).yaml")
        try Compressor.run(model: model, recipe: recipe, output: folder.file("out"))
        let reference = "references/\(name)--\(recipeName.uppercased())/"
        let differences = try ReferenceManifest(path: Fixtures.path(reference + "manifest.json")).differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("out/config.json"))) == Fixtures.data(reference + "config.json"))
    }

    /// DeepSeek-V3 (latent attention, with q_a_proj/kv_a_proj_with_mqa sharing NVFP4's global
    /// scale; routers with a score-correction bias; shared experts) without its
    /// multi-token-prediction layer, which oneshot's output never has, against
    /// `scripts/make-deepseek-v3-references.py`'s references.
    @Test(arguments: ["fp8_dynamic", "nvfp4a16"])
    func deepseekV3MatchesLlmCompressor(_ recipeName: String) throws {
        let folder = TemporaryFolder("deepseek-v3")
        let source = Fixtures.path("models/deepseek_v3")
        let checkpoint = try Checkpoint(directory: source)
        var model = ModelBuilder(modelType: "")
        for tensor in checkpoint.tensors where !tensor.name.hasPrefix("model.layers.3.") {
            model.tensors.append((tensor.name, tensor.info.dtype, tensor.info.shape, Array(checkpoint.data(tensor))))
        }
        try model.write(to: folder.file("model"))
        try FileManager.default.removeItem(atPath: folder.file("model/config.json"))
        try FileManager.default.copyItem(atPath: source + "/config.json", toPath: folder.file("model/config.json"))
        try Self.expectSameOutput(model: folder.file("model"), recipe: recipeName, reference: "deepseek_v3", in: folder)
    }

    @Test(arguments: architectures)
    func configIsTheInputsPlusQuantizationConfig(_ architecture: String) throws {
        let folder = TemporaryFolder("arch")
        let recipe = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml")
        try Compressor.run(model: Fixtures.path("models/\(architecture)"), recipe: recipe, output: folder.file("out"))
        let ours = try Data(contentsOf: URL(fileURLWithPath: folder.file("out/config.json")))
        let theirs = try Fixtures.data("references/\(architecture)--FP8_DYNAMIC/config.json")
        #expect(ours == theirs)
    }
}
