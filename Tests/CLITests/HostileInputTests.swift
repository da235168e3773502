import Checkpoint
import Foundation
import Testing
import TestSupport

/// Inputs built to make `compress` hang, eat memory or compute from nothing: each ends soon with
/// one line naming the input at fault.
@Suite struct HostileInputTests {
    static let model = Fixtures.path("tiny-llama")

    /// `oneshot --quiet` of the calibration model with an FP8 static recipe on `dataset`, into `folder`/out.
    static func calibrate(in folder: TemporaryFolder, dataset: String, _ options: [String] = []) throws -> CompressBinary.Result {
        let recipe = try folder.write("fp8.yaml", text: CalibrationCommandTests.fp8Static)
        return try CompressBinary.run(["oneshot", "--model", CalibrationCommandTests.model, "--recipe", recipe,
                                       "--output", folder.file("out"), "--dataset", dataset, "--quiet"] + options)
    }

    /// `(.|.)*Z$` backtracks exponentially on every module name: the recipe pattern's step budget
    /// ends the dry run at the first module, naming the pattern and where the modifier is written.
    @Test func aCatastrophicRecipePatternIsRefusedAtOnce() throws {
        let folder = TemporaryFolder("hostile")
        let recipe = try folder.write("r.yaml", text: "QuantizationModifier:\n  targets: [\"re:(.|.)*Z$\"]\n  scheme: FP8_DYNAMIC\n")
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", recipe, "--dry-run"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(recipe):1:1: pattern 're:(.|.)*Z$' needs more than "), "\(result.stderr)")
        #expect(result.stderr.contains("on module 'model.embed_tokens'"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// A shape of a hundred thousand ones once cost 100 bytes of memory per byte of header; it is
    /// refused at its 17th dimension.
    @Test func inspectRefusesAShapeOfTooManyDimensions() throws {
        let folder = TemporaryFolder("hostile")
        let shard = try folder.write("model.safetensors", SafetensorsBuilder.file(header: SafetensorsBuilder.header([
            SafetensorsBuilder.entry("t", "U8", Array(repeating: 1, count: 100_000), 0, 1)]), data: [0]))
        let result = try CompressBinary.run(["inspect", folder.path])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(shard): tensor 't': 'shape' has more than 16 dimensions\n")
    }

    /// A few kilobytes of zstd that expand to 64 MiB are read up to `--max-dataset-bytes`, with a
    /// warning that says so.
    @Test func aZstdBombDatasetIsReadUpToTheByteLimit() throws {
        let folder = TemporaryFolder("hostile")
        let chunk = Array(String(repeating: "free software\n", count: 4681).utf8)
        let dataset = try folder.write("bomb.txt.zst", ZstdFixture.frame(repeating: chunk, count: 1024))
        let result = try Self.calibrate(in: folder, dataset: dataset,
                                        ["--num-calibration-samples", "4", "--max-seq-length", "32", "--max-dataset-bytes", "256KiB"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "warning: read only the first 256KiB of \(dataset) (--max-dataset-bytes); the samples come from that part\n")
    }

    @Test func aDatasetByteLimitMustBeASize() throws {
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", "r.yaml", "--dry-run", "--max-dataset-bytes", "lots"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--max-dataset-bytes 'lots' is not a size"))
    }

    /// An empty text was one sample of a lone BOS, and scales were computed from it: refused.
    @Test func anEmptyDatasetIsRefused() throws {
        let folder = TemporaryFolder("hostile")
        let dataset = try folder.write("empty.txt", text: "")
        let result = try Self.calibrate(in: folder, dataset: dataset)
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(dataset): no text to calibrate on\n")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }
}
