import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport

/// Custom `config_groups` with several schemes: FP8 for attention, W4A16 for the MLP, as
/// llm-compressor 0.14 writes them (groups renamed group_0, group_1; format mixed-precision).
@Suite struct MixedSchemeTests {
    static let reference = Fixtures.path("references/llama--CUSTOM")

    @Test func attentionFP8AndMlpW4A16MatchTheReference() throws {
        let folder = TemporaryFolder("mixed")
        let recipe = try Recipe.load(path: Self.reference + "/input-recipe.yaml")
        try Compressor.run(model: Fixtures.path("models/llama"), recipe: recipe, output: folder.file("out"))
        let differences = try ReferenceManifest(path: Self.reference + "/manifest.json").differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
        for file in ["config.json", "recipe.yaml"] {
            let ours = try Data(contentsOf: URL(fileURLWithPath: folder.file("out/" + file)))
            let theirs = try Data(contentsOf: URL(fileURLWithPath: Self.reference + "/" + file))
            #expect(ours == theirs, "\(file)")
        }
    }

    @Test func aSchemeMapOfPresetsGivesTheSameCheckpoint() throws {
        let folder = TemporaryFolder("mixed")
        let recipe = try Recipe.parse(yaml: """
            default_stage:
              default_modifiers:
                QuantizationModifier:
                  ignore: [lm_head]
                  scheme:
                    FP8_DYNAMIC: ['re:.*self_attn.*']
                    W4A16: ['re:.*mlp.*']
            """, file: "map.yaml")
        try Compressor.run(model: Fixtures.path("models/llama"), recipe: recipe, output: folder.file("out"))
        let differences = try ReferenceManifest(path: Self.reference + "/manifest.json").differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }
}
