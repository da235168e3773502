import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Runtime
import Testing
import TestSupport

/// Calibrated recipes end to end on the calibration test model (the recipes llm-compressor 0.14 ran
/// in `Tests/Fixtures/calibration-reference.json`): each output loads in the runtime, and on the
/// calibration samples its logits are closer to the BF16 model's than round-to-nearest's with the
/// same scheme.
@Suite struct CalibratedQualityTests {
    static let reference = Result { try StaticActivationTests.Reference() }

    /// Mean squared difference between the logits of the model in `directory` and of the BF16 model.
    static func logitError(_ directory: String, samples: [[Int]]) throws -> Double {
        let original = try DecoderModel(directory: StaticActivationTests.model, threads: 1)
        let compressed = try DecoderModel(directory: directory, threads: 1)
        var sum = 0.0, count = 0
        for sample in samples {
            let a = try original.forward(sample, cache: original.makeCache())
            let b = try compressed.forward(sample, cache: compressed.makeCache())
            for r in 0..<a.rows {
                for (x, y) in zip(a[r], b[r]) { let d = Double(x - y); sum += d * d }
            }
            count += a.rows * a.columns
        }
        return sum / Double(count)
    }

    static func compress(_ name: String, calibrate: Bool) throws -> (TemporaryFolder, Double) {
        try compress(Self.reference.get().recipe(name), calibrate: calibrate)
    }

    static func compress(_ recipe: Recipe, calibrate: Bool, dtype: CalibrationDType = .auto) throws -> (TemporaryFolder, Double) {
        let reference = try Self.reference.get()
        let folder = TemporaryFolder("quality")
        var options = OneshotOptions(threads: 2, calibration: calibrate ? CalibrationInput(samples: reference.samples) : nil)
        options.calibrationDType = dtype
        try Compressor.run(model: StaticActivationTests.model, recipe: recipe, output: folder.file("out"), options: options)
        return (folder, try logitError(folder.file("out"), samples: reference.samples))
    }

    @Test func gptqBeatsRoundToNearest() throws {
        let (_, gptq) = try Self.compress("w4a16_gptq_g32", calibrate: true)
        let (_, rtn) = try Self.compress("w4a16_rtn_g32", calibrate: false)
        #expect(gptq < rtn, "GPTQ \(gptq) vs round-to-nearest \(rtn)")
    }

    @Test func gptqScalesAreTheWeightsMinMaxScales() throws {
        // llm-compressor's GPTQ takes its scales from the weight before any update: the same
        // scales as round-to-nearest, to BF16 rounding (the reference ran in f32).
        let (gptq, _) = try Self.compress("w4a16_gptq_g32", calibrate: true)
        let output = try TensorReader(directory: gptq.file("out"))
        let recipes = try Self.reference.get().recipes
        let tensors = recipes["w4a16_gptq_g32"]!["tensors"] as! [String: [String: Any]]
        for name in output.names where name.hasSuffix("weight_scale") {
            let ours = try output.floats(name)
            let meanAbs = ours.reduce(0) { $0 + abs($1) } / Float(ours.count)
            let theirs = Float(tensors[name]!["mean_abs"] as! Double)
            #expect(abs(meanAbs - theirs) <= 0.01 * theirs, "\(name): \(meanAbs) vs \(theirs)")
        }
    }

    @Test func smoothQuantThenGPTQGivesAWorkingW8A8Checkpoint() throws {
        let (folder, error) = try Self.compress("w8a8_smoothquant_gptq", calibrate: true)
        let (_, rtn) = try Self.compress("w4a16_rtn_g32", calibrate: false)
        #expect(error < rtn / 4, "W8A8 \(error) vs 4-bit round-to-nearest \(rtn)")
        let recipe = try String(contentsOfFile: folder.file("out/recipe.yaml"), encoding: .utf8)
        #expect(recipe.contains("SmoothQuantModifier") && recipe.contains("GPTQModifier"))
    }

    /// In f32: with the bf16 model's products (`auto`) AWQ's grid search on this small model lands
    /// 1% above round-to-nearest (1.0858e-3 vs 1.0750e-3), its losses within bf16 rounding noise.
    @Test func awqBeatsRoundToNearest() throws {
        let (_, awq) = try Self.compress(Self.reference.get().recipe("w4a16_awq"), calibrate: true, dtype: .float32)
        let asymmetric = try Recipe.parse(yaml: SmoothingTests.w4a16Asym, file: "rtn.yaml")
        let (_, rtn) = try Self.compress(asymmetric, calibrate: false)
        #expect(awq < rtn, "AWQ \(awq) vs round-to-nearest \(rtn)")
    }
}
