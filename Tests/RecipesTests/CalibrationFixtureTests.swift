import Foundation
import Testing
@testable import Recipes

/// Recipes with GPTQ, SmoothQuant, AWQ, static FP8 and KV cache modifiers that llm-compressor
/// 0.14.0.1 ran with `oneshot` on tiny models (scripts/make-calibration-recipe-references.py):
/// every case is here, and what llm-compressor saved reads back and saves unchanged. (Each input,
/// initialized for its model, saves byte for byte as llm-compressor did: RecipeInitializationTests.)
@Suite struct CalibrationFixtureTests {
    static let root = Fixtures.root.deletingLastPathComponent().appendingPathComponent("recipes-calibration")

    static let names: [String] = (try? FileManager.default.contentsOfDirectory(atPath: root.path).sorted()) ?? []

    static func file(_ name: String, _ file: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(name).appendingPathComponent(file), encoding: .utf8)
    }

    @Test func everyCaseIsHere() {
        // The generator's cases, so that a folder that failed to generate is noticed.
        #expect(Self.names.count == 21, "\(Self.names)")
    }

    /// A saved recipe without Python objects in it reads back and saves unchanged, but for a GPTQ
    /// `actorder: null`, which is saved by leaving `actorder` out, and so reads back as the default.
    @Test(arguments: names)
    func savedRecipeRoundTrips(name: String) throws {
        let saved = try Self.file(name, "recipe.yaml")
        guard !saved.contains("!!python/"), name != "gptq_w4a16_g64_actorder_null" else { return }
        #expect(try Recipe.parse(yaml: saved, file: "\(name)/recipe.yaml").savedYAML() == saved)
    }
}
