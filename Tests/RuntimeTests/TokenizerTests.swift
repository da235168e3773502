import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport
@testable import Runtime

/// Golden tests of the tokenizer.json tokenizer against Hugging Face `tokenizers` 0.23.
///
/// Fixtures:
/// - `reference/transformers-reference.json` (`smollm2_tokenizer`, `smollm2_first64`): ids from the
///   library for SmolLM2's `smollm2-tokenizer/tokenizer.json`, without special tokens;
///   `smollm2_first64` tokenizes the start of `text/GPL-3` (Debian's /usr/share/common-licenses/GPL-3).
/// - `tokenizers/*/golden.json`: written by `tokenizers/generate.py` (see its docstring), which
///   trains small Llama-2-style (Prepend+Replace normalizer), Mistral-style (Metaspace, prepend
///   first) and Llama-3-style (Split regex + ByteLevel, NFC, flagged added tokens) tokenizers on
///   `text/GPL-3` and records, per string, the ids with and without special tokens and the decodings.
@Suite struct TokenizerTests {
    /// One golden case written by generate.py.
    struct GoldenCase {
        var text: String
        var ids: [Int]
        var idsWithSpecialTokens: [Int]
        var decoded: String
        var decodedSkippingSpecial: String
    }

    static func readJSON(_ name: String) throws -> JSONValue {
        try JSONParser.parse(String(decoding: Fixtures.data(name), as: UTF8.self))
    }

    static func ints(_ value: JSONValue?) -> [Int] {
        (value?.arrayValue ?? []).compactMap { $0.integerValue.map(Int.init) }
    }

    static func goldenCases(_ folder: String) throws -> [GoldenCase] {
        let json = try readJSON("tokenizers/\(folder)/golden.json")
        return try #require(json["cases"]?.arrayValue).map { item in
            GoldenCase(text: item["text"]?.stringValue ?? "", ids: ints(item["ids"]),
                       idsWithSpecialTokens: ints(item["ids_with_special_tokens"]),
                       decoded: item["decoded"]?.stringValue ?? "",
                       decodedSkippingSpecial: item["decoded_skipping_special"]?.stringValue ?? "")
        }
    }

    static let smolLM2Loaded = Result { () throws(TokenizerError) -> Tokenizer in try Tokenizer(path: Fixtures.path("smollm2-tokenizer")) }
    /// SmolLM2's tokenizer, loaded once for all tests.
    static var smolLM2: Tokenizer { get throws { try smolLM2Loaded.get() } }

    // MARK: SmolLM2 (byte-level BPE, GPT-2 pattern, byte fallback decoder chain)

    @Test func smolLM2MatchesTransformersReference() throws {
        let smol = try Self.smolLM2
        let cases = try #require(Self.readJSON("reference/transformers-reference.json")["smollm2_tokenizer"]?.arrayValue)
        #expect(cases.count == 16)
        for item in cases {
            let text = try #require(item["text"]?.stringValue)
            let ids = Self.ints(item["ids"])
            #expect(smol.encode(text) == ids, "\(text.debugDescription)")
            #expect(smol.decode(ids) == text, "\(text.debugDescription)")
        }
    }

    @Test func smolLM2FirstTokensOfGPL3() throws {
        let smol = try Self.smolLM2
        let reference = Self.ints(try Self.readJSON("reference/transformers-reference.json")["smollm2_first64"]?["input_ids"])
        #expect(reference.count == 64)
        let text = String(decoding: try Fixtures.data("text/GPL-3"), as: UTF8.self)
        let ids = smol.encode(text)
        #expect(Array(ids.prefix(64)) == reference)
        #expect(smol.decode(ids) == text)
    }

    @Test func smolLM2GoldenCases() throws {
        try Self.check(try Self.smolLM2, try Self.goldenCases("smollm2"))
    }

    @Test func smolLM2SpecialTokenIdsAndLookups() throws {
        let smol = try Self.smolLM2
        #expect(smol.bosTokenId == 1)
        #expect(smol.eosTokenId == 1)
        #expect(smol.id(of: "<|im_end|>") == 2)
        #expect(smol.id(of: "Ġthe") != nil)
        #expect(smol.id(of: "no such token here") == nil)
        #expect(smol.token(for: 2) == "<|im_end|>")
        #expect(smol.vocabularySize == 49152)
        #expect(smol.decode([1, 4093, 198, 6004, 2], skipSpecialTokens: true) == "user\nhi")
        #expect(smol.decode([-1, 4093, 1 << 40]) == "user")
    }

    // MARK: Trained fixtures

    @Test(arguments: ["sentencepiece-bpe", "sentencepiece-metaspace", "byte-level-bpe"])
    func goldenCases(_ folder: String) throws {
        let tokenizer = try Tokenizer(path: Fixtures.path("tokenizers/\(folder)/tokenizer.json"))
        #expect(tokenizer.bosTokenId == nil)
        try Self.check(tokenizer, try Self.goldenCases(folder))
    }

    static func check(_ tokenizer: Tokenizer, _ cases: [GoldenCase]) throws {
        #expect(cases.count >= 20)
        for golden in cases {
            let label = golden.text.debugDescription
            #expect(tokenizer.encode(golden.text) == golden.ids, "\(label)")
            #expect(tokenizer.encode(golden.text, addSpecialTokens: true) == golden.idsWithSpecialTokens, "\(label)")
            #expect(tokenizer.decode(golden.ids) == golden.decoded, "\(label)")
            #expect(tokenizer.decode(golden.idsWithSpecialTokens, skipSpecialTokens: true) == golden.decodedSkippingSpecial, "\(label)")
        }
    }

    @Test func longWordsMergeLikeShortOnes() throws {
        // Without a pre-tokenizer the whole text is one BPE word: beyond the cache, through the heap.
        let tokenizer = try Tokenizer(path: Fixtures.path("tokenizers/sentencepiece-bpe"))
        let sentence = "The GNU General Public License is a free, copyleft license for software."
        let once = tokenizer.encode(sentence)
        let many = tokenizer.encode(Array(repeating: sentence, count: 20).joined(separator: " "))
        #expect(many.count > 20 * (once.count - 1))
        #expect(tokenizer.decode(many) == Array(repeating: sentence, count: 20).joined(separator: " "))
    }

    // MARK: Regular expressions

    @Test func regexFollowsOnigurumaSemantics() throws {
        func pieces(_ pattern: String, _ text: String) throws -> [String] {
            let scalars = Array(text.unicodeScalars)
            return try ScalarRegex(pattern).matches(in: scalars).map { String(String.UnicodeScalarView(scalars[$0])) }
        }
        let gpt2 = PreTokenizer.gpt2Pattern
        #expect(try pieces(gpt2, "Hello   world's\r\n") == ["Hello", "  ", " world", "'s", "\r\n"])
        #expect(try pieces(#"(?i:'s|'t)|\p{N}{1,3}"#, "IT'S 12345") == ["'S", "123", "45"])
        #expect(try pieces(#"a+?b|c{2}"#, "aab ccc") == ["aab", "cc"])
        #expect(try pieces(#"x(?=y)|[^\x{41}-\x{5A}\s]"#, "xyxAb") == ["x", "y", "x", "b"])
        #expect(try pieces(#"\w+"#, "e\u{301}t\u{E9} naïve") == ["e\u{301}t\u{E9}", "naïve"])
        #expect(try pieces(#"(?:ab)*c"#, "ababc c") == ["ababc", "c"])
        let deep = String(repeating: "(", count: 100) + String(repeating: ")", count: 100)
        for bad in ["(", "a)", "[a", #"\p{Han}"#, "(?<=a)b", "a**", #"(a*)*"#, "a{3,2}", #"\1"#, "(?:ab){1000}{1000}", deep] {
            #expect(throws: RegexSyntaxError.self, "\(bad)") { try ScalarRegex(bad) }
        }
    }

    // MARK: Malformed files

    static func loadError(_ json: String) -> TokenizerError? {
        let folder = TemporaryFolder("tokenizer")
        let file = try! folder.write("tokenizer.json", text: json)
        do {
            _ = try Tokenizer(path: file)
            return nil
        } catch {
            #expect(error.description.hasPrefix(file + ":"), "\(error)")
            return error
        }
    }

    @Test func malformedFilesAreReportedWithTheirName() {
        let minimal = #""vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]"#
        #expect(Self.loadError(#"{"model": {"type": "BPE", \#(minimal)}}"#) == nil)
        guard case .invalidJSON = Self.loadError("{\"model\": ") else { Issue.record("truncated JSON"); return }
        guard case .missingField(_, "model") = Self.loadError("{}") else { Issue.record("missing model"); return }
        guard case .unsupportedType(_, "model", "Unigram") = Self.loadError(#"{"model": {"type": "Unigram", "vocab": []}}"#) else {
            Issue.record("unknown model type"); return
        }
        guard case .missingField(_, "model.vocab") = Self.loadError(#"{"model": {"type": "BPE", "merges": []}}"#) else {
            Issue.record("missing vocab"); return
        }
        guard case .invalidMerge(_, 0, _) = Self.loadError(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#) else {
            Issue.record("merge outside the vocabulary"); return
        }
        guard case .invalidMerge(_, 1, _) = Self.loadError(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "ab"]}}"#) else {
            Issue.record("merge that is not a pair"); return
        }
        guard case .invalidMerge(_, 0, _) = Self.loadError(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", 1]]}}"#) else {
            Issue.record("merge pair of the wrong kind"); return
        }
        guard case .invalidField(_, "model.vocab.a", _) = Self.loadError(#"{"model": {"type": "BPE", "vocab": {"a": -3}, "merges": []}}"#) else {
            Issue.record("negative id"); return
        }
        guard case .unsupportedType(_, "pre_tokenizer", "BertPreTokenizer") = Self.loadError(#"{"model": {"type": "BPE", \#(minimal)}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"#) else {
            Issue.record("unknown pre-tokenizer"); return
        }
        guard case .invalidPattern(_, "pre_tokenizer.pattern.Regex", _, _) = Self.loadError(#"{"model": {"type": "BPE", \#(minimal)}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<=x)"}, "behavior": "Isolated"}}"#) else {
            Issue.record("bad regex"); return
        }
        guard case .invalidField(_, "model.unk_token", _) = Self.loadError(#"{"model": {"type": "BPE", "unk_token": "?", \#(minimal)}}"#) else {
            Issue.record("unknown unk token"); return
        }
        guard case .invalidField(_, "added_tokens[0].content", _) = Self.loadError(#"{"model": {"type": "BPE", \#(minimal)}, "added_tokens": [{"id": 3, "content": ""}]}"#) else {
            Issue.record("empty added token"); return
        }
        guard case .invalidJSON = Self.loadError("") else { Issue.record("empty file"); return }
    }

    @Test func aFIFOInPlaceOfTheTokenizerIsRefusedWithoutBlocking() throws {
        let folder = TemporaryFolder("tokenizer-fifo")
        let fifo = try FIFO(folder.file("tokenizer.json"))
        let (thrown, blocked) = fifo.run { Result { try Tokenizer(path: folder.path) } }
        #expect(!blocked, "reading the tokenizer waited on the FIFO")
        #expect(throws: TokenizerError.cannotRead(path: fifo.path, reason: "a FIFO (named pipe), not a regular file")) { try thrown.get() }
    }

    @Test func missingFileAndFolderWithoutTokenizer() {
        #expect(throws: TokenizerError.cannotRead(path: "/nonexistent/tok.json", reason: "no such file or directory")) {
            try Tokenizer(path: "/nonexistent/tok.json")
        }
        let folder = TemporaryFolder("tokenizer-empty")
        #expect(throws: TokenizerError.cannotRead(path: folder.file("tokenizer.json"), reason: "no such file")) {
            try Tokenizer(path: folder.path)
        }
    }

    @Test func minimalTokenizerWithoutPipeline() throws {
        let tokenizer = try Tokenizer(jsonText: #"{"model": {"vocab": {"a": 0, "b": 1, "ab": 2, "<unk>": 3}, "merges": [["a", "b"]], "unk_token": "<unk>", "fuse_unk": true}}"#)
        #expect(tokenizer.encode("abab") == [2, 2])
        #expect(tokenizer.encode("aXYb") == [0, 3, 1])
        #expect(tokenizer.decode([2, 0]) == "ab a")
    }

    /// transformers' truncation keeps the post-processor's tokens at both ends.
    @Test func truncationKeepsTheSpecialTokens() throws {
        var root = try #require(try JSONSerialization.jsonObject(with: Fixtures.data("tokenizers/byte-level-bpe/tokenizer.json")) as? [String: Any])
        func special(_ name: String) -> [String: Any] { ["SpecialToken": ["id": name, "type_id": 0]] }
        root["post_processor"] = [
            "type": "Sequence",
            "processors": [
                ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
                ["type": "TemplateProcessing",
                 "single": [special("<|begin_of_text|>"), ["Sequence": ["id": "A", "type_id": 0]], special("[END]")],
                 "special_tokens": ["<|begin_of_text|>": ["id": "<|begin_of_text|>", "ids": [0], "tokens": ["<|begin_of_text|>"]],
                                    "[END]": ["id": "[END]", "ids": [901], "tokens": ["[END]"]]]],
            ],
        ]
        let tokenizer = try Tokenizer(jsonText: String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self))
        let text = "free software for everyone, everywhere"
        let body = tokenizer.encode(text)
        try #require(body.count > 6)
        #expect(tokenizer.encode(text, addSpecialTokens: true) == [0] + body + [901])
        #expect(tokenizer.encode(text, addSpecialTokens: true, maxLength: 6) == [0] + body.prefix(4) + [901])
        #expect(tokenizer.encode(text, addSpecialTokens: true, maxLength: 100) == [0] + body + [901])
        #expect(tokenizer.encode(text, addSpecialTokens: false, maxLength: 6) == Array(body.prefix(6)))
        #expect(tokenizer.encode(text, addSpecialTokens: true, maxLength: 1) == [0])
    }
}
