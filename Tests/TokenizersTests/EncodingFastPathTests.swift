import Foundation
import JSON
import Testing
import TestSupport
@testable import Tokenizers

/// The encoder's fast paths give what the generic ones give, on random texts of ASCII, multibyte
/// UTF-8 (two, three and four bytes, combining marks), line breaks and texts read from JSON escapes
/// and surrogate pairs: a text's scalars decoded from its UTF-8 bytes, and the byte-level words
/// looked up by their text (GPT-2's and Llama 3's pre-tokenizers) against the words mapped to the
/// byte-level alphabet one by one, and the all-ASCII test that lets normalization pass a text by.
@Suite struct EncodingFastPathTests {
    static let alphabet = Array("aZe sStTrR'19 \n\r\t.!-_é½ſ٣\u{301}\u{A0}\u{2028}\u{3000}中\u{FFFD}😀\u{1D7CE}".unicodeScalars)

    /// Random texts of `alphabet`, and texts JSON escapes spell (`\n`, `\"`, `\u00e9`, surrogate pairs).
    static func texts() throws -> [String] {
        var random = SeededRandom(seed: 18)
        var texts: [String] = []
        for _ in 0..<500 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0..<40, using: &random) { scalars.append(alphabet.randomElement(using: &random)!) }
            texts.append(String(scalars))
        }
        // Runs of ASCII (which the decoder takes eight bytes at a time) broken by multibyte scalars.
        let chunks = ["hello world ", "abcdefghijklmnop", "x", " ", "\n", "é", "中", "😀", "\u{301}", "\u{7F}"]
        for _ in 0..<300 {
            texts.append((0..<Int.random(in: 0..<10, using: &random)).map { _ in chunks.randomElement(using: &random)! }.joined())
        }
        let escapes = [#"\n"#, #"\""#, #"\\"#, #"\u00e9"#, #"\u4e2d"#, #"\ud83d\ude00"#, #"\ud835\udfce"#, "x", " ", "'s"]
        for _ in 0..<200 {
            let body = (0..<Int.random(in: 0..<12, using: &random)).map { _ in escapes.randomElement(using: &random)! }.joined()
            texts.append(try #require(JSONParser.parse("\"\(body)\"").stringValue))
        }
        return texts
    }

    @Test func scalarsDecodedFromUTF8AreTheStringsScalars() throws {
        for text in try Self.texts() {
            #expect(TextPiece.scalars(of: text) == Array(text.unicodeScalars), "\(text.debugDescription)")
        }
    }

    @Test func theASCIITestOfNormalizationAgreesWithTheScalars() throws {
        for text in try Self.texts() {
            let scalars = Array(text.unicodeScalars)
            #expect(TextPiece.isASCII(scalars) == scalars.allSatisfy(\.isASCII), "\(text.debugDescription)")
        }
    }

    @Test(arguments: ["smollm2-tokenizer/tokenizer.json", "tokenizers/byte-level-bpe/tokenizer.json"])
    func byteLevelWordsEncodeAsTheGenericPreTokenizerSplitsThem(_ file: String) throws {
        let json = try JSONParser.parse(String(decoding: Fixtures.data(file), as: UTF8.self))
        let root = ConfigNode(value: json, path: "", file: file)
        // Separate models, so that neither path reads what the other cached.
        let fastModel = try BPEModel(root.required("model")), genericModel = try BPEModel(root.required("model"))
        let preTokenizer = try PreTokenizer(root.required("pre_tokenizer"))
        let texts = try Self.texts()
        // Twice: words first encoded, then taken from the cache.
        for text in texts + texts {
            let piece = TextPiece(scalars: Array(text.unicodeScalars), isAtInputStart: true)
            var fast: [Int] = []
            preTokenizer.encodeWords(of: piece, with: fastModel, into: &fast)
            var generic: [Int] = []
            for word in preTokenizer.preTokenize([piece]) { genericModel.encode(word.scalars, into: &generic) }
            #expect(fast == generic, "\(text.debugDescription)")
        }
    }
}
