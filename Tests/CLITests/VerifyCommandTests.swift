import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport

/// `compress verify` as CI meets it: exit code 0 when consistent, 1 with one line per problem,
/// 2 for an unreadable checkpoint, 64 for bad options, and a JSON report.
@Suite struct VerifyCommandTests {
    static let compressed = Fixtures.path("tiny-llama--FP8_DYNAMIC")
    static let model = Fixtures.path("tiny-llama")

    @Test func aConsistentCheckpointExitsZero() throws {
        let result = try CompressBinary.run(["verify", Self.compressed, "--against", Self.model])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("model.layers.0.self_attn.q_proj"))
        #expect(result.stdout.contains("copied:     7 tensors, 7 byte-identical to the original"))
        #expect(result.stdout.hasSuffix("OK: consistent with its quantization_config and the original\n"))
    }

    /// A checkpoint compressed from an FP8 block model is compared with that model dequantized,
    /// as `oneshot` read it: its copied tensors are the dequantized ones, its errors small.
    @Test func anFP8BlockOriginalIsComparedDequantized() throws {
        let folder = TemporaryFolder("verify-fp8")
        let fp8 = Fixtures.path("models/llama_fp8block")
        let oneshot = try CompressBinary.run(["oneshot", "--model", fp8, "--output", folder.file("out"), "--quiet",
                                              "--recipe", Fixtures.path("quantized-input/llama_fp8block--W4A16/recipe.yaml")])
        #expect(oneshot.status == 0, "\(oneshot.stderr)")
        let result = try CompressBinary.run(["verify", folder.file("out"), "--against", fp8, "--max-relative-rms", "0.2"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("copied:     7 tensors, 7 byte-identical to the original"))
    }

    @Test func theJSONReportFollowsItsSchema() throws {
        let result = try CompressBinary.run(["verify", Self.compressed, "--against", Self.model, "--json", "--max-relative-rms", "0.1"])
        #expect(result.status == 0)
        let report = try JSONParser.parse(result.stdout)
        #expect(report.objectValue?.keys == ["schema_version", "checkpoint", "against", "passed", "format", "tensors", "groups", "layers",
                                             "copied_tensors", "identical_to_original", "limits", "problems"])
        #expect(report["schema_version"] == .integer(1))
        #expect(report["passed"] == .bool(true))
        #expect(report["format"] == .string("float-quantized"))
        #expect(report["groups"]?.arrayValue?.first?["modules"] == .integer(14))
        let layers = try #require(report["layers"]?.arrayValue)
        #expect(layers.count == 14)
        #expect(layers.first?.objectValue?.keys == ["module", "group", "format", "shape", "max_abs_error", "relative_rms_error"])
        #expect(layers.allSatisfy { ($0["relative_rms_error"]?.numberValue ?? 1) < 0.1 })
        #expect(report["limits"]?["max_relative_rms_error"]?.numberValue == 0.1)
        #expect(report["limits"]?["max_abs_error"] == .null)
        #expect(report["problems"] == .array([]))
    }

    @Test func problemsExitOneEachOnALineNamingTheTensor() throws {
        let folder = TemporaryFolder("cli-verify")
        try FileManager.default.copyItem(atPath: Self.compressed, toPath: folder.file("out"))
        var config = try ModelConfig(path: folder.file("out/config.json"))
        guard case var .object(quantization)? = config.json["quantization_config"] else { Issue.record("no quantization_config"); return }
        quantization["ignore"] = .array([.string("lm_head"), .string("re:.*layers\\.1\\.mlp\\..*")])
        config.json["quantization_config"] = .object(quantization)
        try Data(config.text.utf8).write(to: URL(fileURLWithPath: folder.file("out/config.json")))
        let result = try CompressBinary.run(["verify", folder.file("out")])
        #expect(result.status == 1)
        let problems = result.stdout.split(separator: "\n").filter { $0.hasPrefix("problem: ") }
        #expect(problems.count == 6)
        #expect(problems.contains("problem: model.layers.1.mlp.down_proj.weight: dtype F8_E4M3, but no config group quantizes module 'model.layers.1.mlp.down_proj' (it is ignored or not targeted), so it keeps a float dtype"))
        #expect(problems.contains("problem: model.layers.1.mlp.up_proj.weight_scale: unexpected: no config group quantizes module 'model.layers.1.mlp.up_proj' (it is ignored or not targeted)"))
        #expect(result.stdout.hasSuffix("FAILED: 6 problems\n"))
        let json = try CompressBinary.run(["verify", folder.file("out"), "--json"])
        #expect(json.status == 1)
        let report = try JSONParser.parse(json.stdout)
        #expect(report["passed"] == .bool(false))
        let tensors = report["problems"]?.arrayValue?.compactMap { $0["tensor"]?.stringValue } ?? []
        #expect(Set(tensors) == Set(["down_proj", "gate_proj", "up_proj"].flatMap { ["model.layers.1.mlp.\($0).weight", "model.layers.1.mlp.\($0).weight_scale"] }))
    }

    @Test func anUnreadableCheckpointExitsTwo() throws {
        let folder = TemporaryFolder("cli-verify")
        let result = try CompressBinary.run(["verify", folder.file("missing")])
        #expect(result.status == 2)
        #expect(result.stderr == "error: \(folder.file("missing")): cannot open: no such directory\n")
        let json = try CompressBinary.run(["verify", Self.compressed, "--against", folder.file("missing"), "--json"])
        #expect(json.status == 2)
        let report = try JSONParser.parse(json.stdout)
        #expect(report["passed"] == .bool(false))
        #expect(report["error"] == .string("original model: \(folder.file("missing")): cannot open: no such directory"))
    }

    @Test(arguments: [["--max-relative-rms", "0.1"], ["--against", model, "--max-abs-error", "-1"], ["--against", model, "--threads", "0"]])
    func badOptionsAreUsageErrors(_ options: [String]) throws {
        let result = try CompressBinary.run(["verify", Self.compressed] + options)
        #expect(result.status == 64)
        #expect(result.stderr.contains("Error:"))
    }

    @Test func helpDocumentsTheExitCodesAndLimits() throws {
        let result = try CompressBinary.run(["verify", "--help"])
        #expect(result.status == 0)
        for text in ["--against", "--max-relative-rms", "--max-abs-error", "--json", "Exit codes: 0 consistent", "cannot be read"] {
            #expect(result.stdout.contains(text), "\(text)")
        }
    }

    /// An 11-layer model stored as Hugging Face stores one (names sorted: layers 0, 1, 10, 2, ...;
    /// mlp before self_attn), compressed, and verified against it.
    static func elevenLayers(in folder: TemporaryFolder) throws -> (model: String, output: String) {
        var builder = ModelBuilder.llama(layers: 11)
        builder.tensors.sort { $0.name < $1.name }
        try builder.write(to: folder.file("model"))
        let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"
        let result = try CompressBinary.run(["oneshot", "--model", folder.file("model"), "--recipe", recipe, "--output", folder.file("out"), "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        return (folder.file("model"), folder.file("out"))
    }

    @Test func layersAreListedInModelOrder() throws {
        let folder = TemporaryFolder("cli-verify")
        let (model, output) = try Self.elevenLayers(in: folder)
        let result = try CompressBinary.run(["verify", output, "--against", model, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let modules = try JSONParser.parse(result.stdout)["layers"]?.arrayValue?.compactMap { $0["module"]?.stringValue }
        let perLayer = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
        #expect(modules == (0..<11).flatMap { layer in perLayer.map { "model.layers.\(layer).\($0)" } })
    }

    @Test func theSummaryLeavesOutTheLayerTable() throws {
        let folder = TemporaryFolder("cli-verify")
        let (model, output) = try Self.elevenLayers(in: folder)
        let full = try CompressBinary.run(["verify", output, "--against", model])
        let summary = try CompressBinary.run(["verify", output, "--against", model, "--summary"])
        #expect(full.status == 0 && summary.status == 0)
        let fullLines = full.stdout.split(separator: "\n")
        #expect(fullLines.contains { $0.hasPrefix("model.layers.10.mlp.down_proj ") })
        #expect(summary.stdout.split(separator: "\n") == fullLines.filter { !$0.hasPrefix("model.layers.") && !$0.hasPrefix("layer ") })
        #expect(summary.stdout.contains("worst layer: model.layers."))
        #expect(summary.stdout.hasSuffix("OK: consistent with its quantization_config and the original\n"))
    }
}
