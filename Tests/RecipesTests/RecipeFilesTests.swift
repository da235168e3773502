import Foundation
import Testing
@testable import Recipes

/// The recipes shipped in recipes/: each data-free one parses and saves as llm-compressor saved
/// the same preset (each calibration one, initialized for the tiny Llama, saves as llm-compressor
/// saved it after running it: RecipeInitializationTests).
@Suite struct RecipeFilesTests {
    static let files: [(file: String, preset: String)] = [
        ("fp8_dynamic.yaml", "FP8_DYNAMIC"), ("fp8_block.yaml", "FP8_BLOCK"), ("w4a16.yaml", "W4A16"),
        ("w4a16_asym.yaml", "W4A16_ASYM"), ("w8a16.yaml", "W8A16"), ("w8a8.yaml", "W8A8"),
        ("nvfp4a16.yaml", "NVFP4A16"), ("mxfp4a16.yaml", "MXFP4A16"),
    ]

    @Test(arguments: files.map(\.file))
    func shippedRecipe(file: String) throws {
        let preset = Self.files.first { $0.file == file }!.preset
        let recipe = try Fixtures.recipe(at: Fixtures.recipesFolder.appendingPathComponent(file).path)
        let spec = try #require(recipe.onlyQuantization)
        #expect(spec.scheme == .preset(preset))
        #expect(!spec.requiresCalibrationData)
        #expect(spec.configGroups.map(\.scheme) == [SchemePresets.scheme(named: preset, targets: ["Linear"])!])
        #expect(recipe.savedYAML() == (try Fixtures.savedRecipe(preset)))
    }

    /// The calibration recipes, whose saved form after running on the tiny Llama is in
    /// Tests/Fixtures/recipes-calibration/shipped_NAME.
    static let calibrationFiles = ["w8a8_smoothquant_gptq.yaml", "w4a16_gptq.yaml", "w4a16_awq.yaml", "fp8_static.yaml", "fp8_kv_cache.yaml"]

    @Test(arguments: calibrationFiles)
    func shippedCalibrationRecipe(file: String) throws {
        let recipe = try Fixtures.recipe(at: Fixtures.recipesFolder.appendingPathComponent(file).path)
        #expect(recipe.stages.map(\.name) == ["default_stage"])
        #expect(recipe.modifiers.map(\.group).allSatisfy { $0 == "default" })
    }

    /// Group size 64 where SmolLM2-135M's 576 columns are not a whole number of 128-wide groups.
    @Test func calibrationRecipesFitSmolLM2() throws {
        for file in ["w4a16_gptq.yaml", "w4a16_awq.yaml"] {
            let recipe = try Fixtures.recipe(at: Fixtures.recipesFolder.appendingPathComponent(file).path)
            let groups: [(name: String, scheme: QuantizationScheme)]
            switch recipe.modifiers.last {
            case let .gptq(spec)?: groups = spec.resolvedConfigGroups
            case let .quantization(spec)?: groups = spec.configGroups
            default: Issue.record("\(file): no quantizing modifier last"); continue
            }
            let sizes = groups.compactMap { $0.scheme.weights?.groupSize }
            #expect(!sizes.isEmpty && sizes.allSatisfy { 576 % $0 == 0 && 1536 % $0 == 0 }, "\(file): \(sizes)")
        }
        guard case let .quantization(kv) = try Fixtures.recipe(at: Fixtures.recipesFolder.appendingPathComponent("fp8_kv_cache.yaml").path).modifiers[0] else {
            Issue.record("fp8_kv_cache.yaml: not a QuantizationModifier"); return
        }
        #expect(kv.kvCacheScheme == QuantizationArgs(numBits: 8, type: .float, strategy: .tensor, zpDtype: "torch.float8_e4m3fn"))
        #expect(kv.requiresCalibrationData)
    }

    /// The group-64 variants of the group-128 presets, for models such as SmolLM2-135M (576 columns).
    static let group64Files: [(file: String, preset: String)] = [
        ("w4a16_g64.yaml", "W4A16"), ("w4a16_asym_g64.yaml", "W4A16_ASYM"), ("w8a16_g64.yaml", "W8A16"),
    ]

    @Test(arguments: group64Files.map(\.file))
    func group64RecipeIsItsPresetWithGroupsOf64(file: String) throws {
        let preset = Self.group64Files.first { $0.file == file }!.preset
        let recipe = try Fixtures.recipe(at: Fixtures.recipesFolder.appendingPathComponent(file).path)
        let spec = try #require(recipe.onlyQuantization)
        #expect(!spec.requiresCalibrationData)
        #expect(spec.ignore == ["lm_head"])
        var expected = SchemePresets.scheme(named: preset, targets: ["Linear"])!
        #expect(expected.weights?.groupSize == 128)
        expected.weights?.groupSize = 64
        #expect(spec.configGroups.map(\.scheme) == [expected])
    }

    @Test func everyShippedRecipeIsListed() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.recipesFolder.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names == (Self.files.map(\.file) + Self.calibrationFiles + Self.group64Files.map(\.file)).sorted())
    }
}
