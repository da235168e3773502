/// One entry of tokenizer.json's `added_tokens`: a string that is cut out of the input whole and
/// encoded as its own id before the model sees the text around it.
struct AddedToken {
    var id: Int
    var content: [Unicode.Scalar]
    /// Skipped by `decode(_:skipSpecialTokens: true)`.
    var special: Bool
    /// Only matches where it is not joined to word scalars on either side.
    var singleWord: Bool
    /// Swallows the White_Space on its left.
    var lstrip: Bool
    /// Swallows the White_Space on its right.
    var rstrip: Bool
    /// Matches the normalized text rather than the raw input.
    var normalized: Bool

    /// Reads one `added_tokens` entry.
    init(_ node: ConfigNode) throws(TokenizerError) {
        id = try node.required("id").integer()
        let contentNode = try node.required("content")
        content = Array(try contentNode.string().unicodeScalars)
        if content.isEmpty { throw contentNode.invalid("an added token cannot be empty") }
        special = try node.bool("special", default: false)
        singleWord = try node.bool("single_word", default: false)
        lstrip = try node.bool("lstrip", default: false)
        rstrip = try node.bool("rstrip", default: false)
        normalized = try node.bool("normalized", default: !special)
    }
}

/// Finds added tokens in text, leftmost first and, among tokens starting at the same scalar, the
/// longest, as the `tokenizers` library's Aho-Corasick matcher does.
struct AddedTokenMatcher {
    /// The tokens this matcher looks for, by their first scalar, longest first.
    private var candidates: [Unicode.Scalar: [AddedToken]] = [:]
    /// `candidates` of the ASCII scalars, by scalar value, read without hashing.
    private var asciiCandidates = [[AddedToken]](repeating: [], count: 128)
    /// The first scalars of all tokens, to pass over most of the text without a dictionary lookup.
    private let firstScalars: ScalarSet

    /// A matcher for `tokens`, whose `content`s are the strings to find.
    init(_ tokens: [AddedToken]) {
        for token in tokens { candidates[token.content[0], default: []].append(token) }
        for key in candidates.keys { candidates[key]!.sort { $0.content.count > $1.content.count } }
        for (first, tokens) in candidates where first.isASCII { asciiCandidates[Int(first.value)] = tokens }
        firstScalars = ScalarSet(items: candidates.keys.map { .range($0.value, $0.value) })
    }

    /// The tokens that start with `scalar`, longest first; nil for none.
    @inline(__always)
    private func tokens(startingWith scalar: Unicode.Scalar) -> [AddedToken]? {
        guard firstScalars.contains(scalar) else { return nil }
        return scalar.isASCII ? asciiCandidates[Int(scalar.value)] : candidates[scalar]
    }

    var isEmpty: Bool { candidates.isEmpty }

    /// Either a matched token or a stretch of text to encode.
    enum Segment {
        case token(Int)
        case text(TextPiece)
    }

    /// Splits `piece` into added tokens and the text between them, honouring each token's
    /// `single_word`, `lstrip` and `rstrip` flags; empty text stretches are dropped.
    /// - Complexity: O(n · k), k the number of tokens sharing a first scalar.
    func split(_ piece: TextPiece, into output: inout [Segment]) {
        let text = piece.scalars
        var emitted = 0
        var position = 0
        while true {
            position = text.withUnsafeBufferPointer { nextCandidate(in: $0, from: position) }
            guard position < text.count else { break }
            guard let tokens = tokens(startingWith: text[position]),
                  let token = tokens.first(where: { matches($0.content, in: text, at: position) }) else {
                position += 1
                continue
            }
            var start = position
            var stop = position + token.content.count
            position = stop
            if token.singleWord {
                let joinedLeft = start > 0 && ScalarSet.isWord(text[start - 1])
                let joinedRight = stop < text.count && ScalarSet.isWord(text[stop])
                if joinedLeft || joinedRight { continue }
            }
            if token.lstrip {
                while start > emitted && text[start - 1].properties.isWhitespace { start -= 1 }
            }
            if token.rstrip {
                while stop < text.count && text[stop].properties.isWhitespace { stop += 1 }
            }
            if emitted < start { output.append(.text(piece.slice(emitted..<start))) }
            output.append(.token(token.id))
            emitted = stop
            position = stop
        }
        if emitted < text.count { output.append(.text(piece.slice(emitted..<text.count))) }
    }

    /// The first position from `position` on whose scalar starts a token, else the end of `text`:
    /// the scan over the text between tokens, in a loop of its own that keeps the set in registers.
    private func nextCandidate(in text: UnsafeBufferPointer<Unicode.Scalar>, from position: Int) -> Int {
        let firstScalars = firstScalars
        var position = position
        while position < text.count && !firstScalars.contains(text[position]) { position += 1 }
        return position
    }

    private func matches(_ content: [Unicode.Scalar], in text: [Unicode.Scalar], at position: Int) -> Bool {
        guard position + content.count <= text.count else { return false }
        for (offset, scalar) in content.enumerated() where text[position + offset] != scalar { return false }
        return true
    }
}

extension ScalarSet {
    /// Whether `scalar` is a word scalar as Rust's regex `\w` defines it (for `single_word`).
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        return scalar.properties.isAlphabetic || wordMask & categoryBit(of: scalar) != 0 || scalar.properties.isJoinControl
    }
}
