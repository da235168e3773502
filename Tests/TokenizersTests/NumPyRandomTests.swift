import JSON
import Testing
import TestSupport
@testable import Tokenizers

/// NumPy's default generator reproduced: the outputs of `default_rng(seed)`'s PCG64 and its
/// `permutation(n)` against NumPy 2.4's (`calibration/numpy-permutations.json`, written by
/// scripts/make-numpy-permutation-reference.py, which also checks them against Hugging Face
/// datasets' `Dataset.shuffle(seed=...)`).
@Suite struct NumPyRandomTests {
    static func reference() throws -> JSONValue {
        try JSONParser.parse(String(decoding: Fixtures.data("calibration/numpy-permutations.json"), as: UTF8.self))
    }

    static func seed(_ value: JSONValue?) throws -> UInt64 { try #require(value?.stringValue.flatMap { UInt64($0) }) }

    @Test func rawOutputsMatchNumPy() throws {
        let raw = try #require(Self.reference()["raw"]?.objectValue)
        #expect(raw.members.count == 6)
        for (seed, outputs) in raw.members {
            var generator = PCG64(seed: try Self.seed(.string(seed)))
            let expected = try (outputs.arrayValue ?? []).map { try Self.seed($0) }
            #expect((0..<expected.count).map { _ in generator.next64() } == expected, "seed \(seed)")
        }
    }

    @Test func permutationsMatchNumPy() throws {
        let cases = try #require(Self.reference()["permutations"]?.arrayValue)
        #expect(cases.count == 42)
        for entry in cases {
            let seed = try Self.seed(entry["seed"])
            let count = Int(try #require(entry["n"]?.integerValue))
            let prefix = CalibrationDataTests.ids(try #require(entry["prefix"]))
            var generator = PCG64(seed: seed)
            let permutation = generator.permutation(count)
            #expect(Array(permutation.prefix(prefix.count)) == prefix, "seed \(seed), n \(count)")
            #expect(Set(permutation).count == count)
        }
    }

    /// 32-bit draws are the two halves of one 64-bit output, low half first.
    @Test func thirtyTwoBitDrawsSplitSixtyFourBitOutputs() {
        var wide = PCG64(seed: 42)
        var narrow = PCG64(seed: 42)
        let output = wide.next64()
        #expect(narrow.next32() == UInt32(truncatingIfNeeded: output))
        #expect(narrow.next32() == UInt32(output >> 32))
        #expect(narrow.next64() == wide.next64())
    }
}
