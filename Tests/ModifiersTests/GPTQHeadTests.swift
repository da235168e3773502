import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// GPTQ on a Linear output head that the recipe does not ignore: llm-compressor 0.14 solves
/// `lm_head` on the final norm's outputs after the last block, so its codes are GPTQ's, not round
/// to nearest's (`scripts/make-gptq-head-reference.py`, on the calibration test model in f32).
@Suite struct GPTQHeadTests {
    static func reference() throws -> (samples: [[Int]], recipes: [String: String]) {
        let json = try JSONSerialization.jsonObject(with: Fixtures.data("gptq-head/reference.json")) as! [String: Any]
        return (json["samples"] as! [[Int]], json["recipes"] as! [String: String])
    }

    /// The fraction of `lm_head`'s 4-bit codes equal in our run of recipe `name` and in
    /// llm-compressor's run `against`, and whether the scales are equal.
    static func agreement(_ name: String, against: String) throws -> (codes: Double, scalesEqual: Bool) {
        let (samples, recipes) = try Self.reference()
        let folder = TemporaryFolder("gptq-head")
        let model = try MixtureCalibrationTests.widened("llama_calib", in: folder)
        try Compressor.run(model: model, recipe: try Recipe.parse(yaml: recipes[name]!, file: "\(name).yaml"), output: folder.file("out"),
                           options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: samples)))
        let output = try TensorReader(directory: folder.file("out"))
        let theirs = try SafetensorsFile(path: Fixtures.path("gptq-head/\(against).safetensors"))
        let packed = try #require(theirs.info("lm_head.weight_packed")), scale = try #require(theirs.info("lm_head.weight_scale"))
        let ours = try #require(output.checkpoint.tensors.first { $0.name == "lm_head.weight_packed" })
        let a = MixtureCalibrationTests.codes(output.checkpoint.data(ours)), b = MixtureCalibrationTests.codes(theirs.data(packed))
        let oursScale = try #require(output.checkpoint.tensors.first { $0.name == "lm_head.weight_scale" })
        return (Double(zip(a, b).filter { $0 == $1 }.count) / Double(b.count),
                output.checkpoint.data(oursScale).elementsEqual(theirs.data(scale)))
    }

    @Test func gptqSolvesTheHeadOnTheFinalNormsOutputs() throws {
        let solved = try Self.agreement("gptq", against: "gptq")
        #expect(solved.codes >= 0.999, "\(solved.codes) of lm_head's codes equal llm-compressor's GPTQ")
        #expect(solved.scalesEqual)
        // The codes must be GPTQ's: round to nearest gives other codes for most weights.
        let rounded = try Self.agreement("gptq", against: "rtn")
        #expect(rounded.codes < 0.9, "\(rounded.codes) of lm_head's codes equal round to nearest's")
    }
}
