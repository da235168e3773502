import JSON
import Testing
import TestSupport
@testable import Tokenizers

/// The added-token matcher, with its flat token table and its pieces handed on uncopied when they
/// hold no token, cuts random texts as a plain scan over every token does: leftmost first, the
/// longest among those starting there (the first listed among equally long ones), with
/// `single_word`, `lstrip` and `rstrip` as the `tokenizers` library applies them.
@Suite struct AddedTokenMatcherTests {
    /// Tokens sharing first scalars (ASCII and not), prefixes of one another, a duplicate content,
    /// and every flag.
    static let tokens: [AddedToken] = [
        token(10, "cat", singleWord: true), token(11, "café"), token(12, "ca"), token(13, "<|im_start|>"),
        token(14, "<|im_end|>"), token(15, "<mask>", lstrip: true), token(16, "[END]", rstrip: true),
        token(17, "é"), token(18, "éé", lstrip: true, rstrip: true), token(19, "中文", singleWord: true), token(20, "ca"),
        token(21, "😀"),
    ]

    static func token(_ id: Int, _ content: String, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false) -> AddedToken {
        let entry = JSONValue.object(JSONObject([("id", .integer(Int64(id))), ("content", .string(content)), ("single_word", .bool(singleWord)),
                                                 ("lstrip", .bool(lstrip)), ("rstrip", .bool(rstrip))]))
        return try! AddedToken(ConfigNode(value: entry, path: "added_tokens[0]", file: "tokenizer.json"))
    }

    /// What the matcher's segments amount to: token ids, and text stretches with their flags.
    enum Cut: Equatable {
        case token(Int)
        case text([Unicode.Scalar], atStart: Bool, continues: Bool)
    }

    static func cuts(_ segments: [AddedTokenMatcher.Segment]) -> [Cut] {
        segments.map { segment in
            switch segment {
            case let .token(id): return .token(id)
            case let .text(piece): return .text(piece.scalars, atStart: piece.isAtInputStart, continues: piece.continuesEarlierText)
            }
        }
    }

    /// The cuts of a plain scan trying every token at every position.
    static func referenceCuts(_ piece: TextPiece, _ tokens: [AddedToken]) -> [Cut] {
        let text = piece.scalars
        var result: [Cut] = []
        var emitted = 0, position = 0
        func emitText(_ range: Range<Int>) {
            let slice = piece.slice(range)
            result.append(.text(slice.scalars, atStart: slice.isAtInputStart, continues: slice.continuesEarlierText))
        }
        while position < text.count {
            var best: AddedToken?
            for token in tokens where text[position...].starts(with: token.content) {
                if best == nil || token.content.count > best!.content.count { best = token }
            }
            guard let token = best else {
                position += 1
                continue
            }
            var start = position, stop = position + token.content.count
            position = stop
            if token.singleWord && ((start > 0 && ScalarSet.isWord(text[start - 1])) || (stop < text.count && ScalarSet.isWord(text[stop]))) {
                continue
            }
            if token.lstrip { while start > emitted && text[start - 1].properties.isWhitespace { start -= 1 } }
            if token.rstrip { while stop < text.count && text[stop].properties.isWhitespace { stop += 1 } }
            if emitted < start { emitText(emitted..<start) }
            result.append(.token(token.id))
            emitted = stop
            position = stop
        }
        if emitted < text.count { emitText(emitted..<text.count) }
        return result
    }

    /// All the tokens (six first scalars: each scalar checked against a set), and those of at most
    /// four first scalars (ASCII or not), which the matcher looks for eight scalars at a time.
    static let tokenSets: [[AddedToken]] = [
        tokens, tokens.filter { "c<é".unicodeScalars.contains($0.content[0]) }, tokens.filter { $0.content[0] == "c" },
        tokens.filter { $0.content[0] == "<" || $0.content[0] == "😀" },
    ]

    @Test(arguments: tokenSets) func randomTextsAreCutAsAPlainScanCutsThem(_ tokens: [AddedToken]) {
        let parts = ["c", "ca", "cat", "café", "cafe", "cats", " cat ", "a", "é", "éé", " ", "  ", "\n", "\u{A0}", "<", "<|im_start|>",
                     "<|im_end|>", "<|im", "<mask>", "[END]", "[END", "中文", "中", "x中文", "😀", "_", "1", "ĉ", "some words without them"]
        let matcher = AddedTokenMatcher(tokens)
        var random = SeededRandom(seed: 18)
        for round in 0..<3000 {
            var text: [Unicode.Scalar] = []
            for _ in 0..<Int.random(in: 0..<24, using: &random) { text += parts.randomElement(using: &random)!.unicodeScalars }
            let piece = TextPiece(scalars: text, isAtInputStart: round % 2 == 0, continuesEarlierText: round % 3 == 0)
            var segments: [AddedTokenMatcher.Segment] = []
            matcher.split(piece, into: &segments)
            #expect(Self.cuts(segments) == Self.referenceCuts(piece, tokens), "\(String(String.UnicodeScalarView(text)).debugDescription)")
        }
    }
}
