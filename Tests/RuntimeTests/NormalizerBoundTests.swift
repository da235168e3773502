import Testing
@testable import Runtime

/// Normalization may lengthen a text by at most 128 times plus 4096 characters, by what the
/// normalizer's stages can do at most; a tokenizer.json whose normalizer could do more is refused
/// when it is read.
@Suite struct NormalizerBoundTests {
    static func tokenizer(normalizers: [String]) throws(TokenizerError) -> Tokenizer {
        let stages = normalizers.joined(separator: ", ")
        return try Tokenizer(jsonText: #"""
            {"normalizer": {"type": "Sequence", "normalizers": [\#(stages)]},
             "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}
            """#)
    }

    static let doubling = #"{"type": "Replace", "pattern": {"String": "a"}, "content": "aa"}"#

    /// Thirty chained `a → aa` replacements make one `a` a billion: refused, naming the member.
    @Test func thirtyDoublingReplacementsAreRefused() {
        #expect(throws: TokenizerError.invalidField(
            file: "tokenizer.json", field: "normalizer",
            reason: "can make a text 1073741824 times longer (plus 0 characters); at most 128 times (plus 4096) is accepted")) {
            try Self.tokenizer(normalizers: Array(repeating: Self.doubling, count: 30))
        }
    }

    /// Seven doublings (128 times) and what real tokenizers chain are accepted, and still work.
    @Test func boundedNormalizersAreAccepted() throws {
        let doubled = try Self.tokenizer(normalizers: Array(repeating: Self.doubling, count: 7))
        #expect(doubled.encode("a").count == 128)
        let prepend = #"{"type": "Prepend", "prepend": "▁"}"#
        let nfkc = #"{"type": "NFKC"}"#
        let spaces = #"{"type": "Replace", "pattern": {"Regex": " +"}, "content": "▁"}"#
        _ = try Self.tokenizer(normalizers: [prepend, nfkc, spaces, #"{"type": "Lowercase"}"#])
    }

    @Test func theBoundComposesStageByStage() throws {
        let prepend = Normalizer.prepend(Array("▁▁".unicodeScalars))
        let byteLevel = Normalizer.byteLevel
        #expect(Normalizer.sequence([prepend, byteLevel]).lengthBound == (4, 8))
        #expect(Normalizer.sequence([byteLevel, prepend, .unicode(.nfkc)]).lengthBound == (72, 36))
    }
}
