/// A stretch of input on its way through normalization and pre-tokenization, as Unicode scalars.
struct TextPiece {
    var scalars: [Unicode.Scalar]
    /// Whether the piece begins at the very start of the input text: Metaspace's
    /// `prepend_scheme: "first"` only prepends its replacement to such a piece.
    var isAtInputStart: Bool
    /// Whether the piece goes on from text an earlier `encode` call ended with, so that what is
    /// put in front of a text (Prepend's and Metaspace's `▁`, ByteLevel's prefix space) is not.
    var continuesEarlierText = false

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
