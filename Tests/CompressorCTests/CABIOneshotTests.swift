import CompressorC
import Foundation
import Testing
import TestSupport

/// `llmc_oneshot`, `llmc_verify` and `llmc_inspect` as a C caller uses them.
@Suite struct CABIOneshotTests {
    static let model = Fixtures.path("tiny-llama")
    static let fp8Dynamic = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"

    /// Entries of `folder`, hidden ones included.
    static func contents(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    @Test func oneshotWritesTheCheckpointReportsProgressAndReturnsTheSummary() throws {
        let folder = TemporaryFolder("cabi")
        let call = CABICall.oneshot(["model": Self.model, "recipe": Self.fp8Dynamic, "output_dir": folder.file("out")])
        #expect(call.status == 0, "\(call.text)")
        let summary = call.json
        #expect(summary["tensors_quantized"] as? Int == 14)
        #expect(summary["tensors_copied"] as? Int == 7)
        #expect((summary["bytes_out"] as? Int ?? 0) > 0)
        #expect(summary["output"] as? String == URL(fileURLWithPath: folder.file("out")).standardizedFileURL.path)
        #expect(call.events.count == 21)
        let last = try JSONSerialization.jsonObject(with: Data(call.events.last!.utf8)) as! [String: Any]
        #expect(last["tensors_done"] as? Int == 21 && last["tensors_total"] as? Int == 21)
        #expect(last["bytes_done"] as? Int == last["bytes_total"] as? Int)
        #expect(FileManager.default.fileExists(atPath: folder.file("out/model.safetensors")))
    }

    @Test func aRecipeGivenAsYAMLTextGivesTheSameBytesAsItsFile() throws {
        let folder = TemporaryFolder("cabi")
        let yaml = try String(contentsOfFile: Self.fp8Dynamic, encoding: .utf8)
        let fromFile = CABICall.oneshot(["model": Self.model, "recipe": Self.fp8Dynamic, "output_dir": folder.file("a")])
        let fromText = CABICall.oneshot(["model": Self.model, "recipe_yaml": yaml, "output_dir": folder.file("b")])
        #expect(fromFile.status == 0 && fromText.status == 0, "\(fromText.text)")
        for name in ["model.safetensors", "config.json", "recipe.yaml"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("a/" + name))) == Data(contentsOf: URL(fileURLWithPath: folder.file("b/" + name))))
        }
    }

    @Test func aFailedRunReturnsTheToolsOneLineMessage() throws {
        let folder = TemporaryFolder("cabi")
        let missing = folder.file("no-such-model")
        let call = CABICall.oneshot(["model": missing, "recipe": Self.fp8Dynamic, "output_dir": folder.file("out")])
        #expect(call.status == 1)
        #expect(call.text.contains(missing), "\(call.text)")
        #expect(!call.text.contains("\n"))
        #expect(try Self.contents(folder.path).isEmpty)
    }

    @Test func aHandleSetBeforeTheRunCancelsItWithoutOutput() throws {
        let folder = TemporaryFolder("cabi")
        let handle = llmc_cancel_new()
        defer { llmc_cancel_free(handle) }
        llmc_cancel_set(handle)
        #expect(llmc_cancel_is_set(handle) == 1)
        let call = CABICall.oneshot(["model": Self.model, "recipe": Self.fp8Dynamic, "output_dir": folder.file("out")], cancel: handle)
        #expect(call.status == 130)
        #expect(call.text == "cancelled")
        #expect(try Self.contents(folder.path).isEmpty)
    }

    @Test func aHandleSetDuringTheRunStopsItAfterTheTensorAndRemovesTheUnfinishedOutput() throws {
        let folder = TemporaryFolder("cabi")
        let handle = llmc_cancel_new()
        defer { llmc_cancel_free(handle) }
        let call = CABICall.oneshot(["model": Self.model, "recipe": Self.fp8Dynamic, "output_dir": folder.file("out")], cancel: handle) { count in
            if count == 3 { llmc_cancel_set(handle) }
        }
        #expect(call.status == 130)
        #expect(call.events.count == 3)
        #expect(try Self.contents(folder.path).isEmpty)
    }

    @Test func calibrationTakesTokenIdsAndIsCancelledBetweenSamples() throws {
        let folder = TemporaryFolder("cabi")
        let recipe = """
            QuantizationModifier:
              ignore: [lm_head]
              scheme: FP8
            """
        let samples = (0..<4).map { s in (0..<16).map { (s * 16 + $0) % 200 + 1 } }
        let model = Fixtures.path("models/llama_calib")
        let call = CABICall.oneshot(["model": model, "recipe_yaml": recipe, "output_dir": folder.file("out"), "calibration_samples": samples])
        #expect(call.status == 0, "\(call.text)")
        let output = try TensorReader(directory: folder.file("out"))
        #expect(try output.floats("model.layers.0.mlp.down_proj.input_scale")[0] > 0)

        let handle = llmc_cancel_new()
        defer { llmc_cancel_free(handle) }
        let cancelled = CABICall.oneshot(["model": model, "recipe_yaml": recipe, "output_dir": folder.file("again"), "calibration_samples": samples],
                                         cancel: handle) { _ in llmc_cancel_set(handle) }
        #expect(cancelled.status == 130)
        #expect(try Self.contents(folder.path) == ["out"])
    }

    @Test func verifyAndInspectReturnTheirReports() throws {
        let folder = TemporaryFolder("cabi")
        #expect(CABICall.oneshot(["model": Self.model, "recipe": Self.fp8Dynamic, "output_dir": folder.file("out")]).status == 0)
        let verified = CABICall.simple(llmc_verify, ["path": folder.file("out"), "against": Self.model, "max_relative_rms": 0.1])
        #expect(verified.status == 0, "\(verified.text)")
        #expect(verified.json["passed"] as? Bool == true)
        #expect((verified.json["layers"] as? [Any])?.count == 14)

        let strict = CABICall.simple(llmc_verify, ["path": folder.file("out"), "against": Self.model, "max_relative_rms": 0.0001])
        #expect(strict.status == 0)
        #expect(strict.json["passed"] as? Bool == false)

        let unreadable = CABICall.simple(llmc_verify, ["path": folder.file("nothing")])
        #expect(unreadable.status == 1)
        #expect(unreadable.text.contains(folder.file("nothing")))

        let inspected = CABICall.simple(llmc_inspect, ["path": folder.file("out")])
        #expect(inspected.status == 0)
        #expect(inspected.json["model_type"] as? String == "llama")
        #expect((inspected.json["quantization_config"] as? [String: Any])?["format"] as? String == "float-quantized")
        #expect((inspected.json["tensors"] as? [Any])?.count == 35)
    }
}
