import Foundation
import Testing
@testable import Recipes

/// The recipes shipped in recipes/: each parses, is data-free, and saves as llm-compressor saved
/// the same preset.
@Suite struct RecipeFilesTests {
    static let files: [(file: String, preset: String)] = [
        ("fp8_dynamic.yaml", "FP8_DYNAMIC"), ("fp8_block.yaml", "FP8_BLOCK"), ("w4a16.yaml", "W4A16"),
        ("w4a16_asym.yaml", "W4A16_ASYM"), ("w8a16.yaml", "W8A16"), ("w8a8.yaml", "W8A8"),
        ("nvfp4a16.yaml", "NVFP4A16"), ("mxfp4a16.yaml", "MXFP4A16"),
    ]

    @Test(arguments: files.map(\.file))
    func shippedRecipe(file: String) throws {
        let preset = Self.files.first { $0.file == file }!.preset
        let recipe = try Recipe.load(path: Fixtures.recipesFolder.appendingPathComponent(file).path)
        let spec = try #require(recipe.onlyQuantization)
        #expect(spec.scheme == .preset(preset))
        #expect(!spec.requiresCalibrationData)
        #expect(spec.configGroups.map(\.scheme) == [SchemePresets.scheme(named: preset, targets: ["Linear"])!])
        #expect(recipe.savedYAML() == (try Fixtures.savedRecipe(preset)))
    }

    @Test func everyShippedRecipeIsListed() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.recipesFolder.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names == Self.files.map(\.file).sorted())
    }
}
