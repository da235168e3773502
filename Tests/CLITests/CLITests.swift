import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport

/// The `compress` executable as users and CI meet it: help, results, JSON, exit codes, one-line errors.
@Suite struct CLITests {
    static let model = Fixtures.path("tiny-llama")
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"

    @Test func helpTeachesTheSubcommands() throws {
        let result = try CompressBinary.run(["--help"])
        #expect(result.status == 0)
        for word in ["oneshot", "inspect", "bench"] { #expect(result.stdout.contains(word)) }
        let oneshot = try CompressBinary.run(["oneshot", "--help"])
        #expect(oneshot.stdout.contains("--max-shard-size"))
        #expect(oneshot.stdout.contains("Examples"))
    }

    @Test func inspectDescribesTheCheckpointAsJSON() throws {
        let result = try CompressBinary.run(["inspect", Self.model, "--json", "--tensors"])
        #expect(result.status == 0)
        let json = try JSONParser.parse(result.stdout)
        #expect(json["tensor_count"]?.integerValue == 21)
        #expect(json["architecture"]?.stringValue == "LlamaForCausalLM")
        #expect(json["parameters"]?.integerValue == 1_443_072)
        #expect(json["tensors"]?.arrayValue?.count == 21)
    }

    @Test func inspectNamesTheDefectInOneLine() throws {
        let folder = TemporaryFolder("cli")
        let bad = try folder.write("model.safetensors", SafetensorsBuilder.file(header: SafetensorsBuilder.header([
            SafetensorsBuilder.entry("w", "F32", [2], 0, 8)]), data: [0, 0, 0, 0]))
        let result = try CompressBinary.run(["inspect", folder.path])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(bad): tensors end at data offset 8 but the file holds 4 data bytes\n")
    }

    @Test func oneshotWritesTheCheckpointAndAJSONSummary() throws {
        let folder = TemporaryFolder("cli")
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", Self.recipe, "--output", folder.file("out"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONParser.parse(result.stdout)
        #expect(summary["tensors_quantized"]?.integerValue == 14)
        #expect(summary["tensors_copied"]?.integerValue == 7)
        #expect(summary["files_copied"] == .array([.string("generation_config.json")]))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).sorted()
        #expect(files == ["config.json", "generation_config.json", "model.safetensors", "recipe.yaml"])
    }

    @Test func aTypoInTheRecipeIsOneLineWithASuggestion() throws {
        let folder = TemporaryFolder("cli")
        let recipe = try folder.write("r.yaml", text: "QuantizationModifier:\n  targets: [Linear]\n  scheme: FP8_DYNAMC\n")
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", recipe, "--output", folder.file("out")])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(recipe):3:"))
        #expect(result.stderr.contains("did you mean 'FP8_DYNAMIC'"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test func theOutputMayNotLieInsideTheInput() throws {
        let folder = TemporaryFolder("cli")
        try FileManager.default.copyItem(atPath: Self.model, toPath: folder.file("model"))
        let result = try CompressBinary.run(["oneshot", "--model", folder.file("model"), "--recipe", Self.recipe, "--output", folder.file("model/out")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("must not be the model folder or inside it"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("model")).sorted() == ["config.json", "generation_config.json", "model.safetensors"])
    }

    @Test func dryRunPrintsThePlanAndWritesNothing() throws {
        let folder = TemporaryFolder("cli")
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", Self.recipe, "--output", folder.file("out"), "--dry-run", "--json"])
        #expect(result.status == 0)
        let plan = try JSONParser.parse(result.stdout)
        let actions = plan["tensors"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
        #expect(actions.filter { $0 == "quantize:group_0" }.count == 14)
        #expect(plan["quantization_config"]?["ignore"] == .array([.string("lm_head")]))
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test(arguments: [["--max-shard-size", "lots"], ["--threads", "0"]])
    func badOptionsAreUsageErrors(_ options: [String]) throws {
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", Self.recipe, "--output", "/tmp/x"] + options)
        #expect(result.status == 64)
        #expect(result.stderr.contains("Error:"))
    }
}
