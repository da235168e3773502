import Checkpoint
import Foundation
import Testing
import TestSupport

/// `compress oneshot` with recipes that need calibration data.
@Suite struct CalibrationCommandTests {
    static let model = Fixtures.path("models/llama_calib")
    static let fp8Static = """
        quant_stage:
          quant_modifiers:
            QuantizationModifier:
              ignore: [lm_head]
              scheme: FP8
              kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}
        """

    @Test func aStaticSchemeCalibratesOnTheDatasetAndWritesItsScales() throws {
        let folder = TemporaryFolder("cli-calibration")
        let recipe = try folder.write("fp8.yaml", text: Self.fp8Static)
        let result = try CompressBinary.run([
            "oneshot", "--model", Self.model, "--recipe", recipe, "--output", folder.file("out"),
            "--dataset", Fixtures.path("calibration/text.txt"), "--num-calibration-samples", "4", "--max-seq-length", "32", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try TensorReader(directory: folder.file("out"))
        #expect(output.names.contains("model.layers.1.mlp.down_proj.input_scale"))
        #expect(output.names.contains("model.layers.1.self_attn.v_scale"))
        #expect(try output.floats("model.layers.0.self_attn.k_scale")[0] > 0)
    }

    @Test func moeCalibrateAllExpertsTakesTrueOrFalse() throws {
        let folder = TemporaryFolder("cli-calibration")
        let recipe = try folder.write("fp8.yaml", text: Self.fp8Static)
        let base = ["oneshot", "--model", Fixtures.path("models/mixtral"), "--recipe", recipe, "--output", folder.file("out"), "--dry-run"]
        for value in ["true", "false"] {
            let result = try CompressBinary.run(base + ["--moe-calibrate-all-experts", value])
            #expect(result.status == 0, "\(value): \(result.stderr)")
        }
        let bad = try CompressBinary.run(base + ["--moe-calibrate-all-experts", "sometimes"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("moe-calibrate-all-experts"), "\(bad.stderr)")
    }

    @Test func withoutADatasetTheErrorSaysWhatToPass() throws {
        let folder = TemporaryFolder("cli-calibration")
        let recipe = try folder.write("fp8.yaml", text: Self.fp8Static)
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", recipe, "--output", folder.file("out")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--dataset"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test func awqWithBlockWeightsItCannotTileIsRefusedByADryRun() throws {
        // examples/awq/fp8_block_llama_example.py's recipe: AWQ's default mappings balance
        // k_proj, [64, 128] here, which duo scaling would split into 128×128 blocks.
        let folder = TemporaryFolder("cli-calibration")
        let recipe = try folder.write("recipe.yaml", text: """
            quant_stage:
              quant_modifiers:
                AWQModifier: {duo_scaling: both}
                QuantizationModifier: {ignore: [lm_head], scheme: FP8_BLOCK, targets: [Linear]}
            """)
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", recipe, "--output", folder.file("out"), "--dry-run"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:3:5: AWQModifier: config group 'group_0': 'model.layers.0.self_attn.k_proj.weight' [64, 128] is not a whole number of 128×128 blocks"), "\(result.stderr)")
    }

    @Test func aBadDatasetIsOneLineNamingTheFileAndLine() throws {
        let folder = TemporaryFolder("cli-calibration")
        let recipe = try folder.write("fp8.yaml", text: Self.fp8Static)
        let dataset = try folder.write("bad.jsonl", text: "{\"text\": \"fine\"}\n{\"txt\": \"no text field\"}\n")
        let result = try CompressBinary.run([
            "oneshot", "--model", Self.model, "--recipe", recipe, "--output", folder.file("out"), "--dataset", dataset, "--quiet",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(dataset):2:"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }
}
