import Checkpoint
import CompressedTensors
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// compressed-tensors 0.20's MX presets (MXFP6A16, MXFP6A8: "mxfp6-pack-quantized"; MXFP4XFP8:
/// MXFP4 weights with FP8 group-128 inputs) give compressed-tensors 0.20.1's output, every tensor
/// byte for byte and the quantization_config's values (references made by
/// scripts/make-ct020-references.py with compressed-tensors' own functions, as llm-compressor 0.14
/// cannot run on 0.20).
@Suite struct CompressedTensors020FormatsTests {
    static let references = [
        "tiny-llama--MXFP6A16", "tiny-llama--MXFP6A8", "tiny-llama--MXFP4XFP8",
        "qwen3--MXFP6A16", "qwen3--MXFP6A8", "qwen3--MXFP4XFP8",
    ]

    @Test(arguments: references)
    func matchesCompressedTensors020(_ reference: String) throws {
        let differences = try FloatSchemesTests.differences(from: reference)
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// A checkpoint in "mxfp6-pack-quantized", which compressed-tensors 0.19 cannot read, gets
    /// 0.20.1's quantization_config key for key (null args fields left out, `moe_sparsity_config`,
    /// its version); MXFP4XFP8's groups are 0.19 formats and keep 0.19's layout.
    @Test(arguments: ["tiny-llama--MXFP6A16", "qwen3--MXFP6A8", "tiny-llama--MXFP4XFP8"])
    func mxfp6ConfigIsCompressedTensors020s(_ reference: String) throws {
        let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
        let folder = try FloatSchemesTests.compress(model: FloatSchemesTests.model(of: reference), recipe: recipe)
        let ours = try ModelConfig(path: folder.file("out/config.json")).json["quantization_config"]
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
        if reference.hasSuffix("MXFP4XFP8") {
            #expect(ours?["version"] == .string("0.19.0") && ours?["moe_sparsity_config"] == nil)
        } else {
            #expect(ours == manifest.quantizationConfig)
        }
    }

    /// Every float32 value near each FP6 E2M3 value and each midpoint between two of them encodes
    /// as `cast_to_fp6` rounds: to the nearest, ties to the even code, saturating at 7.5, the sign
    /// bit kept for values that round to zero and for -0.0.
    @Test func fp6CodeRoundsToNearestTiesToEven() {
        let magnitudes = (0..<32).map { FP6Code.value(UInt8($0)) }
        var table: [Float] = (0..<8).map { Float($0) / 8 }
        for exponent in 0..<3 { table += (0..<8).map { (1 + Float($0) / 8) * Float(1 << exponent) } }
        #expect(magnitudes == table)
        func expected(_ x: Float) -> UInt8 {
            let a = min(x.magnitude, 7.5)
            let distances = magnitudes.map { ($0 - a).magnitude }
            let best = distances.min()!
            let candidates = (0..<32).filter { distances[$0] == best }
            let code = candidates.first { $0 % 2 == 0 } ?? candidates[0]
            return UInt8(code) | (x.sign == .minus ? 0x20 : 0)
        }
        var values: [Float] = [0, -0.0, 7.5, 7.75, 8, 100, .greatestFiniteMagnitude, .infinity, -.infinity, .leastNonzeroMagnitude]
        for (i, m) in magnitudes.enumerated() {
            let midpoint = i < 31 ? (m + magnitudes[i + 1]) / 2 : m
            for x in [m, m.nextUp, m.nextDown, midpoint, midpoint.nextUp, midpoint.nextDown] where x >= 0 { values += [x, -x] }
        }
        let mismatches = values.filter { FP6Code.code($0) != expected($0) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        let ties: [(Float, UInt8)] = [(0.0625, 0), (0.1875, 2), (2.125, 16), (-7.25, 0x3E), (-0.01, 0x20)]
        #expect(ties.allSatisfy { FP6Code.code($0.0) == $0.1 })
    }

    @Test func fp6PackingRoundTrips() {
        let values: [Float] = (0..<64).map { FP6Code.value(UInt8($0)) }
        var packed = [UInt8](repeating: 0, count: FP6Code.byteCount(values.count))
        var unpacked = [Float](repeating: .nan, count: values.count)
        values.withUnsafeBufferPointer { FP6Code.pack($0.baseAddress!, count: values.count, into: &packed) }
        packed.withUnsafeBufferPointer { FP6Code.unpack($0.baseAddress!, count: values.count, into: &unpacked) }
        #expect(unpacked.map(\.bitPattern) == values.map(\.bitPattern))
        // Codes 8, 16, 20, 24 (1, 2, 3, 4) little-endian in 24 bits: 0x61_44_08.
        var quad = [UInt8](repeating: 0, count: 3)
        ([1, 2, 3, 4] as [Float]).withUnsafeBufferPointer {
            FP6Code.pack($0.baseAddress!, count: 4, into: &quad)
        }
        #expect(quad == [0x08, 0x44, 0x61])
    }

    /// The group maximum rounds up to the next power of two from a significand of 1.9375 on for
    /// FP6 (E2M3's mantissa), from 1.75 on for FP4.
    @Test func mxfp6ScaleRoundsWithTheElementMantissa() {
        func code(_ max: Float, mantissa: Int) -> UInt8 {
            MXScale<BF16Storage>(absmax: BF16.bits(max), elementOffset: 2, elementMantissa: mantissa).storedCode
        }
        #expect(code(1.875, mantissa: 3) == 125 && code(1.9375, mantissa: 3) == 126)
        #expect(code(1.75, mantissa: 1) == 126 && code(1.6875, mantissa: 1) == 125)
    }
}
