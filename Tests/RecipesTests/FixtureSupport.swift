import Foundation
import JSON
@testable import Recipes

/// Paths of the fixtures copied from llm-compressor 0.14.0.1 outputs (Tests/Fixtures/recipes/PRESET/).
enum Fixtures {
    static let presets = ["FP8_BLOCK", "FP8_DYNAMIC", "MXFP4A16", "NVFP4A16", "W4A16", "W4A16_ASYM", "W8A16", "W8A8"]

    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/recipes")

    static let recipesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("recipes")

    static func savedRecipe(_ preset: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("\(preset)/recipe.yaml"), encoding: .utf8)
    }

    static func configGroup(_ preset: String) throws -> JSONValue {
        let text = try String(contentsOf: root.appendingPathComponent("\(preset)/config.json"), encoding: .utf8)
        let config = try JSONParser.parse(text)
        guard let group = config["quantization_config"]?["config_groups"]?["group_0"] else {
            throw FixtureError.missing("quantization_config.config_groups.group_0 in \(preset)")
        }
        return group
    }

    /// The recipe file at `path`, parsed from its bytes as `Recipe.load(path:)` parses them.
    static func recipe(at path: String) throws -> Recipe {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        return try bytes.withUnsafeBytes { try Recipe.parse(document: $0, file: path) }
    }

    /// The flat form of a preset recipe, as users write it.
    static func flatRecipe(_ preset: String) -> String {
        """
        QuantizationModifier:
          targets: Linear
          scheme: \(preset)
          ignore: ["lm_head"]
        """
    }

    enum FixtureError: Error { case missing(String) }
}

/// Parses `yaml` expecting a RecipeError; returns it (nil when parsing succeeded or threw something else).
func parseError(_ yaml: String, file: String = "r.yaml") -> RecipeError? {
    do {
        _ = try Recipe.parse(yaml: yaml, file: file)
        return nil
    } catch {
        return error
    }
}

extension Recipe {
    /// The only QuantizationModifier of a one-modifier recipe.
    var onlyQuantization: QuantizationModifierSpec? {
        guard modifiers.count == 1, case let .quantization(spec) = modifiers[0] else { return nil }
        return spec
    }
}
