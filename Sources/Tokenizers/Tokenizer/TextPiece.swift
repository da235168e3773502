/// A stretch of input on its way through normalization and pre-tokenization, as Unicode scalars.
struct TextPiece {
    var scalars: [Unicode.Scalar]
    /// Whether the piece begins at the very start of the input text: Metaspace's
    /// `prepend_scheme: "first"` only prepends its replacement to such a piece.
    var isAtInputStart: Bool
    /// Whether the piece goes on from text an earlier `encode` call ended with, so that what is
    /// put in front of a text (Prepend's and Metaspace's `▁`, ByteLevel's prefix space) is not.
    var continuesEarlierText = false

    /// The Unicode scalars of `text`, as `Array(text.unicodeScalars)` gives them, decoded straight
    /// from its UTF-8 bytes (a `String`'s are always valid) into storage of the right size.
    static func scalars(of text: String) -> [Unicode.Scalar] {
        var text = text
        return text.withUTF8 { utf8 in
            [Unicode.Scalar](unsafeUninitializedCapacity: utf8.count) { scalars, count in
                var i = 0
                count = 0
                while i < utf8.count {
                    // Eight ASCII bytes at a time, each its own scalar.
                    if i + 8 <= utf8.count {
                        let eight = UnsafeRawPointer(utf8.baseAddress! + i).loadUnaligned(as: UInt64.self)
                        if eight & 0x8080_8080_8080_8080 == 0 {
                            for k in 0..<8 { scalars[count + k] = Unicode.Scalar(UInt8(truncatingIfNeeded: eight >> (8 * k))) }
                            i += 8
                            count += 8
                            continue
                        }
                    }
                    let lead = UInt32(utf8[i])
                    var value: UInt32
                    if lead < 0x80 {
                        value = lead
                        i += 1
                    } else if lead < 0xE0 {
                        value = (lead & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F)
                        i += 2
                    } else if lead < 0xF0 {
                        value = (lead & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F)
                        i += 3
                    } else {
                        value = (lead & 0x07) << 18 | UInt32(utf8[i + 1] & 0x3F) << 12 | UInt32(utf8[i + 2] & 0x3F) << 6
                            | UInt32(utf8[i + 3] & 0x3F)
                        i += 4
                    }
                    // Valid UTF-8 decodes to valid scalars only.
                    scalars[count] = unsafeBitCast(value, to: Unicode.Scalar.self)
                    count += 1
                }
            }
        }
    }

    /// Whether every scalar is ASCII: the scalar values ORed together, in a loop without an early
    /// exit that the compiler vectorizes.
    static func isASCII(_ scalars: [Unicode.Scalar]) -> Bool {
        scalars.withUnsafeBufferPointer { buffer in
            var bits: UInt32 = 0
            for scalar in buffer { bits |= scalar.value }
            return bits < 0x80
        }
    }

    /// The sub-piece covering `range`, which starts (or continues) the input only if it starts this piece.
    func slice(_ range: Range<Int>) -> TextPiece {
        TextPiece(scalars: Array(scalars[range]), isAtInputStart: isAtInputStart && range.lowerBound == 0,
                  continuesEarlierText: continuesEarlierText && range.lowerBound == 0)
    }
}

/// What a split does with the parts a pattern matches (`tokenizers`' `SplitDelimiterBehavior`).
enum SplitBehavior: String {
    /// Matches are dropped.
    case removed = "Removed"
    /// Each match becomes a piece of its own.
    case isolated = "Isolated"
    /// Each match is joined to the piece before it.
    case mergedWithPrevious = "MergedWithPrevious"
    /// Each match is joined to the piece after it.
    case mergedWithNext = "MergedWithNext"
    /// Consecutive matches form one piece.
    case contiguous = "Contiguous"

    /// Splits `piece` at the `matches` of a pattern (sorted, non-overlapping ranges) and appends the
    /// non-empty parts to `output`. With `invert`, the parts between matches count as the matches.
    func split(_ piece: TextPiece, matches: [Range<Int>], invert: Bool = false, into output: inout [TextPiece]) {
        for range in ranges(count: piece.scalars.count, matches: matches, invert: invert) {
            output.append(piece.slice(range))
        }
    }

    /// The non-empty ranges `split` cuts a text of `count` scalars into.
    func ranges(count: Int, matches: [Range<Int>], invert: Bool = false) -> [Range<Int>] {
        var parts: [(range: Range<Int>, isMatch: Bool)] = []
        var previous = 0
        for match in matches {
            if previous < match.lowerBound { parts.append((previous..<match.lowerBound, invert)) }
            parts.append((match, !invert))
            previous = match.upperBound
        }
        if previous < count { parts.append((previous..<count, invert)) }

        var ranges: [Range<Int>] = []
        switch self {
        case .removed:
            ranges = parts.filter { !$0.isMatch }.map(\.range)
        case .isolated:
            ranges = parts.map(\.range)
        case .contiguous:
            var previousWasMatch = false
            for (i, part) in parts.enumerated() {
                if i > 0 && part.isMatch == previousWasMatch {
                    ranges[ranges.count - 1] = ranges[ranges.count - 1].lowerBound..<part.range.upperBound
                } else {
                    ranges.append(part.range)
                }
                previousWasMatch = part.isMatch
            }
        case .mergedWithPrevious:
            var previousWasMatch = false
            for part in parts {
                if part.isMatch && !previousWasMatch && !ranges.isEmpty {
                    ranges[ranges.count - 1] = ranges[ranges.count - 1].lowerBound..<part.range.upperBound
                } else {
                    ranges.append(part.range)
                }
                previousWasMatch = part.isMatch
            }
        case .mergedWithNext:
            var nextWasMatch = false
            for part in parts.reversed() {
                if part.isMatch && !nextWasMatch && !ranges.isEmpty {
                    ranges[ranges.count - 1] = part.range.lowerBound..<ranges[ranges.count - 1].upperBound
                } else {
                    ranges.append(part.range)
                }
                nextWasMatch = part.isMatch
            }
            ranges.reverse()
        }
        return ranges.filter { !$0.isEmpty }
    }
}
