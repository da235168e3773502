import Checkpoint
import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport
import Verification

/// `verify` accepts what llm-compressor 0.14 writes and what `oneshot` writes, and measures
/// dequantization errors that fit each scheme.
@Suite struct ReferenceVerificationTests {
    @Test(arguments: ReferenceLayouts.all)
    func acceptsTheLayoutOfEveryLlmCompressorReference(_ reference: String) throws {
        let folder = TemporaryFolder("verify-ref")
        try ReferenceLayouts.write(reference, to: folder.file("out"))
        let report = try Verifier.verify(checkpoint: folder.file("out"))
        #expect(report.problems.map(\.description) == [])
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
        let quantized = manifest.tensors.keys.filter { $0.hasSuffix(".weight_scale") }.map { String($0.dropLast(".weight_scale".count)) }
        #expect(report.layers.map(\.module).sorted() == quantized.sorted())
        #expect(report.layers.allSatisfy { $0.maxAbsError == nil && $0.relativeRMSError == nil })
    }

    @Test func acceptsARealLlmCompressorOutputAgainstItsOriginal() throws {
        let report = try Verifier.verify(checkpoint: Fixtures.path("tiny-llama--FP8_DYNAMIC"), against: Fixtures.path("tiny-llama"))
        #expect(report.problems.map(\.description) == [])
        #expect(report.layers.count == 14)
        #expect(report.copiedTensors == 7 && report.identicalToOriginal == 7)
        for layer in report.layers {
            let rms = try #require(layer.relativeRMSError)
            #expect(rms > 0.005 && rms < 0.05, "\(layer.module): \(rms)")
        }
    }

    /// Relative RMS error bounds for each kind of scheme: FP8 E4M3 rounds to 3 mantissa bits,
    /// 8-bit integers per channel are finer, 4-bit groups coarser, 2-bit coarser still.
    static let errorBounds: [(reference: String, low: Double, high: Double)] = [
        ("llama--FP8_BLOCK", 0.005, 0.05), ("llama_f32--FP8_DYNAMIC", 0.005, 0.05), ("llama--MXFP8A16", 0.005, 0.05),
        ("llama--W8A8", 0.001, 0.02), ("llama--INT8_ASYM", 0.001, 0.02), ("mixtral--W8A16", 0.001, 0.02),
        ("llama--W4A16", 0.03, 0.3), ("llama--W4A16_ASYM", 0.03, 0.3), ("llama_f16--W4AFP8", 0.03, 0.3),
        ("llama--ASYM4_TENSOR", 0.03, 0.5), ("llama_f32--NVFP4A16", 0.03, 0.3), ("mixtral--MXFP4A16", 0.03, 0.3),
        ("llama--INT4_ASYM_G64_A8", 0.03, 0.3), ("llama--W2A16", 0.2, 0.95), ("gemma--FP8_DYNAMIC", 0.005, 0.05),
        ("tiny-llama--EMBEDDING_W8_CHANNEL", 0.005, 0.05), ("tiny-llama--EMBEDDING_W4_G32_LINEAR_W4A16", 0.03, 0.3),
        ("qwen3--MXFP6A16", 0.01, 0.1),
    ]

    @Test(arguments: errorBounds.map(\.reference))
    func acceptsOneshotOutputsWithErrorsThatFitTheScheme(_ reference: String) throws {
        let bounds = Self.errorBounds.first { $0.reference == reference }!
        let model = ReferenceLayouts.model(of: reference)
        let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
        let folder = TemporaryFolder("verify-oneshot")
        try Compressor.run(model: model, recipe: recipe, output: folder.file("out"), options: OneshotOptions(threads: 2))
        let report = try Verifier.verify(checkpoint: folder.file("out"), against: model, options: VerificationOptions(threads: 2))
        #expect(report.problems.map(\.description) == [])
        #expect(!report.layers.isEmpty)
        #expect(report.identicalToOriginal == report.copiedTensors)
        for layer in report.layers {
            let rms = try #require(layer.relativeRMSError)
            #expect(rms > bounds.low && rms < bounds.high, "\(layer.module): relative RMS error \(rms)")
            #expect((layer.maxAbsError ?? 0) > 0)
        }
    }

    @Test func mixedPrecisionGroupsAreCheckedEachWithItsFormat() throws {
        let model = Fixtures.path("models/llama")
        let recipe = try Recipe.load(path: Fixtures.path("references/llama--CUSTOM/recipe.yaml"))
        let folder = TemporaryFolder("verify-mixed")
        try Compressor.run(model: model, recipe: recipe, output: folder.file("out"), options: OneshotOptions(threads: 2))
        let report = try Verifier.verify(checkpoint: folder.file("out"), against: model, options: VerificationOptions(threads: 2))
        #expect(report.passed)
        #expect(report.format == "mixed-precision")
        #expect(report.groups.map(\.format) == ["float-quantized", "pack-quantized"])
        #expect(report.groups.map(\.modules) == [8, 6])
        let fp8 = report.layers.filter { $0.format == "float-quantized" }.compactMap(\.relativeRMSError)
        let int4 = report.layers.filter { $0.format == "pack-quantized" }.compactMap(\.relativeRMSError)
        #expect(fp8.count == 8 && int4.count == 6)
        #expect(fp8.max()! < int4.min()!)
    }
}
