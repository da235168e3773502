import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport

/// Recipes initialized for the model they run on (the mappings ArchitectureRegistry declares for
/// its class, AWQ's offload device for mixture-of-experts families) save byte for byte as
/// llm-compressor 0.14.0.1 saved them after `oneshot` on tiny models
/// (scripts/make-calibration-recipe-references.py, Tests/Fixtures/recipes-calibration/).
@Suite struct RecipeInitializationTests {
    static let root = Fixtures.path("recipes-calibration")

    static let names: [String] = (try? FileManager.default.contentsOfDirectory(atPath: root).sorted()) ?? []

    static func file(_ name: String, _ file: String) throws -> String {
        try String(contentsOfFile: root + "/" + name + "/" + file, encoding: .utf8)
    }

    @Test(arguments: names)
    func savesAsLLMCompressorDid(name: String) throws {
        let recipe = try Recipe.parse(yaml: try Self.file(name, "input.yaml"), file: "\(name)/input.yaml")
        let architecture = try Self.file(name, "model.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try recipe.initialized(for: ModelDefaults(className: architecture)).savedYAML() == (try Self.file(name, "recipe.yaml")))
    }

    /// The calibration recipes shipped in recipes/, initialized for the tiny Llama.
    @Test(arguments: ["w8a8_smoothquant_gptq.yaml", "w4a16_gptq.yaml", "w4a16_awq.yaml", "fp8_static.yaml", "fp8_kv_cache.yaml"])
    func shippedCalibrationRecipeSavesAsLLMCompressorDid(file: String) throws {
        let recipe = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/" + file)
        let saved = try Self.file("shipped_" + file.replacingOccurrences(of: ".yaml", with: ""), "recipe.yaml")
        #expect(try recipe.initialized(for: ModelDefaults(className: "LlamaForCausalLM")).savedYAML() == saved)
    }

    /// AWQ's cached activations go to the CPU for the mixture-of-experts families only; a class
    /// llm-compressor has mappings of its own for names itself in the error.
    @Test func defaultsFollowTheModelsFamily() throws {
        let recipe = try Recipe.parse(yaml: "SmoothQuantModifier: {}\nAWQModifier: {}\nGPTQModifier: {scheme: W4A16}\n", file: "r.yaml")
        for (className, offloads) in [("MixtralForCausalLM", true), ("Qwen2MoeForCausalLM", true), ("Qwen3MoeForCausalLM", true),
                                      ("LlamaForCausalLM", false), ("X", false)] {
            guard case let .awq(awq) = try recipe.initialized(for: ModelDefaults(className: className)).modifiers[1] else {
                Issue.record("\(className): not AWQ"); continue
            }
            #expect(awq.offloadDevice == (offloads ? .torchDevice("cpu") : AWQModifierSpec.OffloadDevice.none), "\(className)")
        }
        #expect(throws: RecipeError.noDefaultMappings(SourcePosition(file: "r.yaml", line: 1, column: 1),
                                                      modifier: "SmoothQuantModifier", architecture: "CohereForCausalLM")) {
            try recipe.initialized(for: ModelDefaults(className: "CohereForCausalLM"))
        }
    }
}
