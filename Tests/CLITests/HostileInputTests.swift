import Checkpoint
import Foundation
import Testing
import TestSupport

/// Inputs built to make `compress` hang or eat memory: each ends soon with one line naming the
/// input at fault.
@Suite struct HostileInputTests {
    static let model = Fixtures.path("tiny-llama")

    /// `(.|.)*Z$` backtracks exponentially on every module name: the recipe pattern's step budget
    /// ends the dry run at the first module, naming the pattern and where the modifier is written.
    @Test func aCatastrophicRecipePatternIsRefusedAtOnce() throws {
        let folder = TemporaryFolder("hostile")
        let recipe = try folder.write("r.yaml", text: "QuantizationModifier:\n  targets: [\"re:(.|.)*Z$\"]\n  scheme: FP8_DYNAMIC\n")
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", recipe, "--dry-run"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(recipe):1:1: pattern 're:(.|.)*Z$' needs more than "), "\(result.stderr)")
        #expect(result.stderr.contains("on module 'model.embed_tokens'"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
