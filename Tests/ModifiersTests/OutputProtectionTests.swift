import Checkpoint
import Foundation
import Modifiers
import Recipes
import Tokenizers
import Testing
import TestSupport

/// The library guards the output as `compress oneshot` does: an output holding the recipe file or
/// the dataset the run reads is refused even with `overwrite`, and leftovers of killed runs are reported.
@Suite struct OutputProtectionTests {
    static let model = Fixtures.path("models/llama_calib")

    /// A previous output in `folder/out`, with the calibration text copied into it.
    static func previousOutput(in folder: TemporaryFolder) throws -> String {
        let recipe = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml")
        try Compressor.run(model: model, recipe: recipe, output: folder.file("out"), options: OneshotOptions(threads: 2))
        try FileManager.default.copyItem(atPath: Fixtures.path("calibration/text.txt"), toPath: folder.file("out/text.txt"))
        return folder.file("out")
    }

    @Test func anOutputHoldingTheRecipeFileIsRefused() throws {
        let folder = TemporaryFolder("output-protection")
        let output = try Self.previousOutput(in: folder)
        let before = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        let recipe = try Recipe.load(path: output + "/recipe.yaml")
        #expect {
            try Compressor.run(model: Self.model, recipe: recipe, output: output, options: OneshotOptions(threads: 2, overwrite: true))
        } throws: { "\($0)".contains("holds the recipe \(output)/recipe.yaml, which this run reads") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted() == before)
    }

    @Test func anOutputHoldingTheDatasetIsRefused() throws {
        let folder = TemporaryFolder("output-protection")
        let output = try Self.previousOutput(in: folder)
        let before = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        let recipe = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/fp8_static.yaml")
        let data = try CalibrationInput.load(dataset: output + "/text.txt", model: Self.model,
                                             options: CalibrationDataOptions(sampleCount: 2, maxSequenceLength: 16))
        let options = OneshotOptions(threads: 2, overwrite: true, calibration: data)
        #expect {
            try Compressor.run(model: Self.model, recipe: recipe, output: output, options: options)
        } throws: { "\($0)".contains("holds the dataset \(output)/text.txt, which this run reads") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted() == before)
    }
}
