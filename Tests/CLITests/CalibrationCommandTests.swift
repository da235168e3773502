import Checkpoint
import Foundation
import JSON
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

    /// A model folder without tokenizer files calibrates on token ids (JSON Lines of `input_ids`)
    /// as one with them does, byte for byte; a text dataset is refused naming the file.
    @Test func aModelWithoutATokenizerCalibratesOnTokenIds() throws {
        let folder = TemporaryFolder("cli-calibration")
        let recipe = try folder.write("fp8.yaml", text: Self.fp8Static)
        let bare = folder.file("bare")
        try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: true)
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: Self.model + "/" + file, toPath: bare + "/" + file)
        }
        let records = (0..<4).map { i in "{\"input_ids\": [\((0..<24).map { String((i * 37 + $0 * 13) % 900) }.joined(separator: ", "))]}" }
        let dataset = try folder.write("ids.jsonl", text: records.joined(separator: "\n") + "\n")
        func oneshot(_ model: String, _ data: String, _ out: String) throws -> CompressBinary.Result {
            try CompressBinary.run(["oneshot", "--model", model, "--recipe", recipe, "--output", folder.file(out), "--dataset", data, "--quiet"])
        }
        let withTokenizer = try oneshot(Self.model, dataset, "with"), without = try oneshot(bare, dataset, "without")
        #expect(withTokenizer.status == 0, "\(withTokenizer.stderr)")
        #expect(without.status == 0, "\(without.stderr)")
        #expect(FileManager.default.contents(atPath: folder.file("with/model.safetensors"))
            == FileManager.default.contents(atPath: folder.file("without/model.safetensors")))
        let text = try oneshot(bare, Fixtures.path("calibration/text.txt"), "text")
        #expect(text.status == 1)
        #expect(text.stderr.hasPrefix("error: \(Fixtures.path("calibration/text.txt")): a text file cannot be read without the model's tokenizer"), "\(text.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("text")))
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

    /// AWQ on DeepSeek-V3 plans with the family's default mappings: the experts, shared experts
    /// and latent attention quantized, the routers and the multi-token-prediction layer not.
    @Test func anAWQRecipeOnDeepSeekV3Plans() throws {
        let folder = TemporaryFolder("cli-calibration")
        // Groups of 16: the tiny fixture's widths (96, 48, 16...) are not multiples of W4A16's 128.
        let groups = "{group_0: {targets: [Linear], weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 16}}}"
        let recipe = try folder.write("awq.yaml", text: "AWQModifier: {}\nQuantizationModifier: {ignore: [lm_head], config_groups: \(groups)}\n")
        let result = try CompressBinary.run(["oneshot", "--model", Fixtures.path("models/deepseek_v3"), "--recipe", recipe,
                                             "--output", folder.file("out"), "--dry-run", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try JSONParser.parse(result.stdout)
        var actions: [String: String] = [:]
        for tensor in plan["tensors"]?.arrayValue ?? [] {
            if let name = tensor["name"]?.stringValue, let action = tensor["action"]?.stringValue { actions[name] = action }
        }
        for name in ["model.layers.1.mlp.experts.5.down_proj.weight", "model.layers.2.mlp.shared_experts.up_proj.weight",
                     "model.layers.0.self_attn.kv_b_proj.weight", "model.layers.0.mlp.gate_proj.weight"] {
            #expect(actions[name]?.hasPrefix("quantize") == true, "\(name): \(actions[name] ?? "missing")")
        }
        let untouched = actions.filter { $0.key.hasPrefix("model.layers.3.") || $0.key.hasSuffix("mlp.gate.weight") }
        #expect(untouched.count > 10)
        #expect(untouched.allSatisfy { !$0.value.hasPrefix("quantize") }, "\(untouched.filter { $0.value.hasPrefix("quantize") })")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
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
