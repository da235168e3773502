import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport

/// `compress oneshot` where a new user meets it: missing parent folders, recipes that quantize
/// nothing, datasets given where none is read or missing where one is needed, datasets named
/// without a known extension, and pickled weights beside the safetensors.
@Suite struct OneshotSurfaceTests {
    static let model = Fixtures.path("tiny-llama")
    static let calibrationModel = Fixtures.path("models/llama_calib")
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"
    static let fp8Static = "QuantizationModifier:\n  ignore: [lm_head]\n  scheme: FP8\n"

    static func oneshot(model: String = model, recipe: String = recipe, output: String, _ options: [String] = []) throws -> CompressBinary.Result {
        try CompressBinary.run(["oneshot", "--model", model, "--recipe", recipe, "--output", output, "--quiet"] + options)
    }

    @Test func missingParentFoldersOfTheOutputAreCreated() throws {
        let folder = TemporaryFolder("cli-surface")
        let result = try Self.oneshot(output: folder.file("a/b/c/out"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Checkpoint(directory: folder.file("a/b/c/out")).tensors.count == 35)
    }

    @Test func aDryRunCreatesNoParentFolder() throws {
        let folder = TemporaryFolder("cli-surface")
        let result = try Self.oneshot(output: folder.file("a/b/out"), ["--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("a")))
    }

    /// An output inside the model is refused before any parent folder is made: the model folder
    /// is not touched, not even its modification time.
    @Test func aRefusedOutputCreatesNoParentFolder() throws {
        let folder = TemporaryFolder("cli-surface")
        try FileManager.default.copyItem(atPath: Self.model, toPath: folder.file("model"))
        let modified = { try FileManager.default.attributesOfItem(atPath: folder.file("model"))[.modificationDate] as? Date }
        let before = try modified()
        usleep(20_000)
        let result = try Self.oneshot(model: folder.file("model"), output: folder.file("model/new/out"))
        #expect(try modified() == before)
        #expect(result.status == 1)
        #expect(result.stderr.contains("must not be the model folder or inside it"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("model")).sorted() == ["config.json", "generation_config.json", "model.safetensors"])
    }

    @Test func targetsThatMatchNoModuleFailNamingTheGroupAndTargets() throws {
        let folder = TemporaryFolder("cli-surface")
        let recipe = try folder.write("r.yaml", text: "QuantizationModifier:\n  targets: [linear]\n  scheme: FP8_DYNAMIC\n")
        let result = try Self.oneshot(recipe: recipe, output: folder.file("out"))
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(recipe):1:1: config group 'group_0': its targets [linear] match no Linear layer"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test func oneGroupOfSeveralThatMatchesNothingIsNamed() throws {
        let folder = TemporaryFolder("cli-surface")
        let recipe = try folder.write("r.yaml", text: """
            QuantizationModifier:
              ignore: [lm_head]
              scheme: {FP8_DYNAMIC: ["re:.*mlp.*"], W8A8: ["re:.*feed_forward.*"]}
            """)
        let result = try Self.oneshot(recipe: recipe, output: folder.file("out"), ["--dry-run"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("config group 'group_1': its targets [re:.*feed_forward.*] match no Linear layer"), "\(result.stderr)")
    }

    @Test func aDatasetForADataFreeRecipeIsAWarningEvenWhenQuiet() throws {
        let folder = TemporaryFolder("cli-surface")
        let result = try Self.oneshot(output: folder.file("out"), ["--dataset", Fixtures.path("calibration/text.txt")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "warning: --dataset \(Fixtures.path("calibration/text.txt")) is not read: the recipe's schemes are data-free and need no calibration data\n")
    }

    @Test func aCalibrationRecipeWithoutDataNamesTheModifiersThatNeedIt() throws {
        let folder = TemporaryFolder("cli-surface")
        let recipe = try folder.write("r.yaml", text: """
            default_stage:
              default_modifiers:
                SmoothQuantModifier: {smoothing_strength: 0.8}
                GPTQModifier:
                  ignore: [lm_head]
                  scheme: W8A8
            """)
        let result = try Self.oneshot(model: Self.calibrationModel, recipe: recipe, output: folder.file("out"))
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: SmoothQuantModifier at \(recipe):3:5 and GPTQModifier at \(recipe):4:5 need calibration data: pass a dataset (`--dataset FILE`)"),
                "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// A dataset named without .txt or .jsonl is read by its content: JSON Lines here, whose bad
    /// second record is then reported by line; `--dataset-format txt` reads the same file as text.
    @Test func aDatasetWithoutAKnownExtensionIsReadByItsContentOrItsDeclaredFormat() throws {
        let folder = TemporaryFolder("cli-surface")
        let recipe = try folder.write("fp8.yaml", text: Self.fp8Static)
        let dataset = try folder.write("calibration.data", text: "\n  {\"text\": \"fine\"}\n{\"txt\": \"no text field\"}\n")
        let options = ["--dataset", dataset, "--num-calibration-samples", "2", "--max-seq-length", "16"]
        let sniffed = try Self.oneshot(model: Self.calibrationModel, recipe: recipe, output: folder.file("out"), options)
        #expect(sniffed.status == 1)
        #expect(sniffed.stderr.hasPrefix("error: \(dataset):3:"), "\(sniffed.stderr)")
        let declared = try Self.oneshot(model: Self.calibrationModel, recipe: recipe, output: folder.file("out"), options + ["--dataset-format", "txt"])
        #expect(declared.status == 0, "\(declared.stderr)")
        #expect(try TensorReader(directory: folder.file("out")).names.contains("model.layers.0.mlp.down_proj.input_scale"))
    }

    @Test func aDeclaredFormatOverridesTheExtension() throws {
        let folder = TemporaryFolder("cli-surface")
        let recipe = try folder.write("fp8.yaml", text: Self.fp8Static)
        let result = try Self.oneshot(model: Self.calibrationModel, recipe: recipe, output: folder.file("out"),
                                      ["--dataset", Fixtures.path("calibration/text.txt"), "--dataset-format", "jsonl"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(Fixtures.path("calibration/text.txt")):1:"), "\(result.stderr)")
    }

    @Test func aDatasetFormatWithoutADatasetIsAUsageError() throws {
        let result = try Self.oneshot(output: "/tmp/unused", ["--dataset-format", "txt"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--dataset-format"))
    }

    /// A model folder with pickled weights beside its safetensors, as many Hub repositories have.
    static func modelWithPickledWeights(in folder: TemporaryFolder) throws -> String {
        try FileManager.default.copyItem(atPath: model, toPath: folder.file("model"))
        for name in ["pytorch_model.bin", "pytorch_model.bin.index.json", "optimizer.pt", "notes.txt"] {
            try folder.write("model/" + name, text: "pickled or not")
        }
        return folder.file("model")
    }

    @Test func pickledWeightsAreSkippedWithANote() throws {
        let folder = TemporaryFolder("cli-surface")
        let model = try Self.modelWithPickledWeights(in: folder)
        let result = try CompressBinary.run(["oneshot", "--model", model, "--recipe", Self.recipe, "--output", folder.file("out"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "note: not copied: optimizer.pt, pytorch_model.bin, pytorch_model.bin.index.json (pickled weights; --copy-pickled-weights copies them)\n")
        let summary = try JSONParser.parse(result.stdout)
        #expect(summary["files_skipped"] == .array(["optimizer.pt", "pytorch_model.bin", "pytorch_model.bin.index.json"].map(JSONValue.string)))
        #expect(summary["files_copied"] == .array(["generation_config.json", "notes.txt"].map(JSONValue.string)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).sorted()
            == ["config.json", "generation_config.json", "model.safetensors", "notes.txt", "recipe.yaml"])
    }

    @Test func pickledWeightsAreCopiedWhenAsked() throws {
        let folder = TemporaryFolder("cli-surface")
        let model = try Self.modelWithPickledWeights(in: folder)
        let result = try Self.oneshot(model: model, output: folder.file("out"), ["--copy-pickled-weights"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).sorted()
            == ["config.json", "generation_config.json", "model.safetensors", "notes.txt", "optimizer.pt", "pytorch_model.bin",
                "pytorch_model.bin.index.json", "recipe.yaml"])
    }
}
