import Foundation
import Testing
@testable import Recipes

/// Recipes with GPTQ, SmoothQuant, AWQ, static FP8 and KV cache modifiers that llm-compressor
/// 0.14.0.1 ran with `oneshot` on tiny models (scripts/make-calibration-recipe-references.py):
/// once initialized for the model's architecture, each saves byte for byte as llm-compressor did.
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

    @Test(arguments: names)
    func savesAsLLMCompressorDid(name: String) throws {
        let recipe = try Recipe.parse(yaml: try Self.file(name, "input.yaml"), file: "\(name)/input.yaml")
        let architecture = try Self.file(name, "model.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try recipe.initialized(architecture: architecture).savedYAML() == (try Self.file(name, "recipe.yaml")))
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
