import Foundation
import Testing
@testable import Recipes

/// The 8 presets llm-compressor 0.14.0.1 wrote: the recipe parses in both forms, saves back byte
/// for byte, and its args serialize exactly as config.json holds them.
@Suite struct FixtureRecipeTests {
    @Test(arguments: Fixtures.presets)
    func savedFixtureRoundTrips(preset: String) throws {
        let saved = try Fixtures.savedRecipe(preset)
        let recipe = try Recipe.parse(yaml: saved, file: "recipe.yaml")
        #expect(recipe.stages.map(\.name) == ["default_stage"])
        #expect(recipe.savedYAML() == saved)
    }

    @Test(arguments: Fixtures.presets)
    func flatFormSavesAsFixture(preset: String) throws {
        let recipe = try Recipe.parse(yaml: Fixtures.flatRecipe(preset), file: "flat.yaml")
        #expect(recipe.stages.map(\.name) == ["default_stage"])
        #expect(recipe.savedYAML() == (try Fixtures.savedRecipe(preset)))
    }

    @Test(arguments: Fixtures.presets)
    func configJSONMatchesFixture(preset: String) throws {
        let group = try Fixtures.configGroup(preset)
        let spec = try #require(try Recipe.parse(yaml: try Fixtures.savedRecipe(preset), file: "recipe.yaml").onlyQuantization)
        #expect(spec.configGroups.count == 1)
        let (name, scheme) = spec.configGroups[0]
        #expect(name == "group_0")
        #expect(scheme.targets == ["Linear"])
        #expect(spec.ignore == ["lm_head"])
        #expect((scheme.weights?.configJSON ?? .null) == group["weights"])
        #expect((scheme.inputActivations?.configJSON ?? .null) == group["input_activations"])
        #expect((scheme.outputActivations?.configJSON ?? .null) == group["output_activations"])
        // The whole group, with the format the writer infers.
        #expect(scheme.configJSON(inferredFormat: group["format"]?.stringValue) == group)
        // Keys in config.json's (sorted) order, not just equal as sets.
        if case let .object(expected) = group["weights"], case let .object(actual) = scheme.weights!.configJSON {
            #expect(actual.keys == expected.keys)
        }
        #expect(!scheme.requiresCalibration)
        #expect(!spec.requiresCalibrationData)
    }

    @Test func fp8DynamicRecipeFile() throws {
        let path = Fixtures.recipesFolder.appendingPathComponent("fp8_dynamic.yaml").path
        let recipe = try Fixtures.recipe(at: path)
        let spec = try #require(recipe.onlyQuantization)
        #expect(spec.scheme == .preset("FP8_DYNAMIC"))
        #expect(spec.targets == ["Linear"])
        #expect(spec.ignore == ["lm_head"])
        #expect(spec.group == "default")
        #expect(recipe.savedYAML() == (try Fixtures.savedRecipe("FP8_DYNAMIC")))
    }
}
