import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// `OneshotOptions.calibrationDType`: `auto` multiplies the layers stored in bf16 in bf16 (inputs
/// rounded, f32 sums), `float32` in f32. An f32 checkpoint writes the same bytes under both; a
/// bf16 one writes other GPTQ codes, and static input scales within bf16 rounding of float32's.
@Suite struct CalibrationDTypeTests {
    static let samples: [[Int]] = (0..<3).map { s in (0..<40).map { ($0 * 37 + s * 101) % 250 + 1 } }

    static let fp8Static = """
        quant_stage:
          quant_modifiers:
            QuantizationModifier: {ignore: [lm_head], scheme: FP8, targets: [Linear]}
        """
    static let gptq = """
        quant_stage:
          quant_modifiers:
            GPTQModifier: {ignore: [lm_head], scheme: W4A16, targets: [Linear]}
        """

    /// The output's tensors by name, after calibrating `model` with `recipe` in `dtype`.
    static func compress(_ model: String, _ recipe: String, _ dtype: CalibrationDType) throws -> (folder: TemporaryFolder, output: TensorReader) {
        let folder = TemporaryFolder("dtype")
        var options = OneshotOptions(threads: 2, calibration: CalibrationInput(samples: samples))
        options.calibrationDType = dtype
        try Compressor.run(model: Fixtures.path("models/\(model)"), recipe: try Recipe.parse(yaml: recipe, file: "recipe.yaml"),
                           output: folder.file("out"), options: options)
        return (folder, try TensorReader(directory: folder.file("out")))
    }

    static func safetensors(_ folder: TemporaryFolder) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: folder.file("out/model.safetensors")))
    }

    @Test(arguments: [fp8Static, gptq])
    func float32CheckpointsWriteTheSameBytes(recipe: String) throws {
        let auto = try Self.compress("llama_f32", recipe, .auto), float32 = try Self.compress("llama_f32", recipe, .float32)
        #expect(try Self.safetensors(auto.folder) == Self.safetensors(float32.folder))
    }

    @Test func bf16CheckpointsCalibrateInBF16() throws {
        let auto = try Self.compress("llama_calib", Self.gptq, .auto), float32 = try Self.compress("llama_calib", Self.gptq, .float32)
        #expect(try Self.safetensors(auto.folder) != Self.safetensors(float32.folder))
    }

    @Test func bf16InputScalesAgreeToBF16Rounding() throws {
        let auto = try Self.compress("llama_calib", Self.fp8Static, .auto).output
        let float32 = try Self.compress("llama_calib", Self.fp8Static, .float32).output
        let names = auto.names.filter { $0.hasSuffix("input_scale") }
        #expect(names.count == 14)
        for name in names {
            let (a, b) = (try auto.floats(name)[0], try float32.floats(name)[0])
            #expect(abs(a - b) <= 0x1p-7 * b, "\(name): \(a) vs \(b)")
        }
    }
}
