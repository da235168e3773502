import Foundation
import Testing
import TestSupport
@testable import Tokenizers

/// Hostile tokenizer.json inputs probed with the FuzzTesting/ targets, kept in
/// Tests/Fixtures/fuzz-regressions/tokenizer-json: each now costs bounded time.
@Suite struct TokenizerFuzzRegressionTests {
    /// A Split pattern with nested quantifiers backtracked exponentially over a run of 64 word
    /// scalars (the encode never returned); now the scan stops when its step budget is spent.
    @Test(.timeLimit(.minutes(1))) func nestedQuantifiersOnALongRunFinish() throws {
        let tokenizer = try Tokenizer(path: Fixtures.path("fuzz-regressions/tokenizer-json/nested-quantifiers.json"))
        let text = "b " + String(repeating: "a", count: 64) + "!"
        // The pattern never matches (there is no "y"), so the text stays one word: b, Ġ, 32 × aa, !.
        let ids = tokenizer.encode(text)
        #expect(ids == [1, 2] + Array(repeating: 3, count: 32) + [4])
        #expect(tokenizer.decode(ids) == text)
    }

    /// A scan that runs out of steps keeps the matches it found and leaves the rest unmatched.
    @Test(.timeLimit(.minutes(1))) func exhaustedScanKeepsEarlierMatches() throws {
        let text = Array(("b" + String(repeating: "a", count: 40) + "b").unicodeScalars)
        #expect(try ScalarRegex("b|(a+a+)+y").matches(in: text) == [0..<1])
    }

    /// The budget grows with the text: a real pattern still covers every scalar of a long text.
    @Test func budgetDoesNotCutRealPatternsOnLongTexts() throws {
        let gpl = String(decoding: try Fixtures.data("text/GPL-3"), as: UTF8.self)
        let text = Array(String(repeating: gpl, count: 3).unicodeScalars)
        let matches = try ScalarRegex(PreTokenizer.gpt2Pattern).matches(in: text)
        #expect(matches.reduce(0) { $0 + $1.count } == text.count)
        #expect(matches.last?.upperBound == text.count)
    }
}
