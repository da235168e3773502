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
///
/// The tokens are kept flat: their contents in one scalar buffer and their flags in plain
/// entries, so that a candidate position (a scalar that starts some token, such as the `c` of
/// every English word starting with it when `cat` is a token) is checked without reference counting.
struct AddedTokenMatcher {
    /// One token: its content is `contents[contentStart..<contentStart + length]`.
    private struct Entry {
        var id: Int
        var contentStart: Int
        var length: Int
        var singleWord: Bool
        var lstrip: Bool
        var rstrip: Bool
    }

    /// The tokens, grouped by first scalar, longest first within a group.
    private let entries: [Entry]
    private let contents: [Unicode.Scalar]
    /// The group of `entries` of each non-ASCII first scalar.
    private var groups: [Unicode.Scalar: Range<Int>] = [:]
    /// `groups` of the ASCII scalars, by scalar value, read without hashing (empty for none).
    private var asciiGroups = [Range<Int>](repeating: 0..<0, count: 128)
    /// The first scalars of all tokens, to pass over most of the text without a lookup.
    private let firstScalars: ScalarSet
    /// The values of the first scalars when there are at most four (repeated to make four), for
    /// the scan that passes over eight scalars at a time, none of them one of these; nil for more.
    private let fewFirstScalars: SIMD4<UInt32>?

    /// A matcher for `tokens`, whose `content`s are the strings to find.
    init(_ tokens: [AddedToken]) {
        var byFirst: [Unicode.Scalar: [AddedToken]] = [:]
        for token in tokens { byFirst[token.content[0], default: []].append(token) }
        var entries: [Entry] = [], contents: [Unicode.Scalar] = []
        for (first, group) in byFirst {
            let start = entries.count
            // A stable sort: of two tokens of one length, the first listed wins, as before.
            for token in group.enumerated().sorted(by: { ($0.element.content.count, -$0.offset) > ($1.element.content.count, -$1.offset) }).map(\.element) {
                entries.append(Entry(id: token.id, contentStart: contents.count, length: token.content.count,
                                     singleWord: token.singleWord, lstrip: token.lstrip, rstrip: token.rstrip))
                contents.append(contentsOf: token.content)
            }
            if first.isASCII { asciiGroups[Int(first.value)] = start..<entries.count } else { groups[first] = start..<entries.count }
        }
        self.entries = entries
        self.contents = contents
        firstScalars = ScalarSet(items: byFirst.keys.map { .range($0.value, $0.value) })
        let values = byFirst.keys.map(\.value)
        fewFirstScalars = values.isEmpty || values.count > 4 ? nil : SIMD4((0..<4).map { values[min($0, values.count - 1)] })
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Either a matched token or a stretch of text to encode.
    enum Segment {
        case token(Int)
        case text(TextPiece)
    }

    /// Splits `piece` into added tokens and the text between them, honouring each token's
    /// `single_word`, `lstrip` and `rstrip` flags; empty text stretches are dropped. A piece
    /// without any token is handed on as it is, not copied.
    /// - Complexity: O(n · k), k the number of tokens sharing a first scalar.
    func split(_ piece: TextPiece, into output: inout [Segment]) {
        var cuts: [(start: Int, stop: Int, id: Int)] = []
        piece.scalars.withUnsafeBufferPointer { text in
            entries.withUnsafeBufferPointer { entries in
                contents.withUnsafeBufferPointer { contents in
                    findTokens(in: text, entries, contents, into: &cuts)
                }
            }
        }
        guard !cuts.isEmpty else {
            if !piece.scalars.isEmpty { output.append(.text(piece)) }
            return
        }
        var emitted = 0
        for cut in cuts {
            if emitted < cut.start { output.append(.text(piece.slice(emitted..<cut.start))) }
            output.append(.token(cut.id))
            emitted = cut.stop
        }
        if emitted < piece.scalars.count { output.append(.text(piece.slice(emitted..<piece.scalars.count))) }
    }

    /// The tokens of `text` in order, each with the stretch it takes (its content, and the White_Space
    /// its `lstrip` and `rstrip` swallow).
    private func findTokens(in text: UnsafeBufferPointer<Unicode.Scalar>, _ entries: UnsafeBufferPointer<Entry>,
                            _ contents: UnsafeBufferPointer<Unicode.Scalar>, into cuts: inout [(start: Int, stop: Int, id: Int)]) {
        var emitted = 0
        var position = 0
        while true {
            position = nextCandidate(in: text, from: position)
            guard position < text.count else { break }
            guard let entry = longestMatch(in: text, at: position, entries, contents) else {
                position += 1
                continue
            }
            var start = position
            var stop = position + entry.length
            position = stop
            if entry.singleWord {
                let joinedLeft = start > 0 && ScalarSet.isWord(text[start - 1])
                let joinedRight = stop < text.count && ScalarSet.isWord(text[stop])
                if joinedLeft || joinedRight { continue }
            }
            if entry.lstrip {
                while start > emitted && text[start - 1].properties.isWhitespace { start -= 1 }
            }
            if entry.rstrip {
                while stop < text.count && text[stop].properties.isWhitespace { stop += 1 }
            }
            cuts.append((start, stop, entry.id))
            emitted = stop
            position = stop
        }
    }

    /// The first position from `position` on whose scalar starts a token, else the end of `text`.
    /// With at most four first scalars, stretches of eight scalars none of which is one are passed
    /// over with a comparison of all eight against each.
    @inline(__always)
    private func nextCandidate(in text: UnsafeBufferPointer<Unicode.Scalar>, from start: Int) -> Int {
        var position = start
        if let targets = fewFirstScalars, let base = text.baseAddress {
            let raw = UnsafeRawPointer(base)
            let (a, b) = (SIMD8<UInt32>(repeating: targets[0]), SIMD8<UInt32>(repeating: targets[1]))
            let (c, d) = (SIMD8<UInt32>(repeating: targets[2]), SIMD8<UInt32>(repeating: targets[3]))
            while position + 8 <= text.count {
                let chunk = raw.loadUnaligned(fromByteOffset: position * MemoryLayout<Unicode.Scalar>.stride, as: SIMD8<UInt32>.self)
                if any((chunk .== a) .| (chunk .== b) .| (chunk .== c) .| (chunk .== d)) { break }
                position += 8
            }
        }
        let firstScalars = firstScalars
        while position < text.count && !firstScalars.contains(text[position]) { position += 1 }
        return position
    }

    /// The longest token found at `position` (whose scalar starts some token), or nil.
    @inline(__always)
    private func longestMatch(in text: UnsafeBufferPointer<Unicode.Scalar>, at position: Int, _ entries: UnsafeBufferPointer<Entry>,
                              _ contents: UnsafeBufferPointer<Unicode.Scalar>) -> Entry? {
        let first = text[position]
        let group = first.isASCII ? asciiGroups[Int(first.value)] : groups[first] ?? 0..<0
        for index in group {
            let entry = entries[index]
            guard position + entry.length <= text.count else { continue }
            var offset = 1
            while offset < entry.length && text[position + offset] == contents[entry.contentStart + offset] { offset += 1 }
            if offset == entry.length { return entry }
        }
        return nil
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
