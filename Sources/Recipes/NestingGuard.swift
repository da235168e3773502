/// A cheap upper bound on how deeply a YAML text nests, checked before Yams composes it: Yams
/// builds its tree recursively, so a document like `[[[[...` or `- - - - ...` a few hundred
/// thousand levels deep would overflow the stack. At every character the bound is the sum of
/// - the open flow collections (`[`, `{`), plus one for each open `[` holding a single-pair
///   mapping (`[a: b]`), whose pair indicator is a `:` or `?` that libyaml takes as one: followed
///   by a blank, the line's end or a flow indicator, or not inside a plain scalar (`re:x` is one
///   scalar);
/// - the current line's indentation;
/// - the block indicators of the current line: each `- ` and `? ` (each may open a collection on
///   the same line, as in `- - x`), plus one when the line has a `: `, since a block mapping opens
///   at most once per line (at its start or after one of those indicators).
///
/// Each level of nesting needs one of these, so the bound counts real nesting from above: a flow
/// list of a thousand `re:` patterns is one level. Comments are skipped; quoted scalars are not
/// told apart, so what they hold counts as if it were structure.
enum NestingGuard {
    private struct FlowCollection {
        let isSequence: Bool
        var holdsPair = false
    }

    /// The first place where the bound exceeds `limit`, as a 1-based line and column (columns count
    /// Unicode scalars).
    static func firstExcess(in text: String, limit: Int) -> (line: Int, column: Int)? {
        let bytes = Array(text.utf8)
        var flow: [FlowCollection] = []
        var openPairs = 0
        var line = 1
        var column = 0
        var indentation = 0
        var indicators = 0
        var lineHasValueIndicator = false
        var atLineStart = true
        var inComment = false
        var previous = UInt8(ascii: " ")
        for (i, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
                indentation = 0
                indicators = 0
                lineHasValueIndicator = false
                atLineStart = true
                inComment = false
                previous = UInt8(ascii: " ")
                continue
            }
            if byte & 0xC0 != 0x80 { column += 1 }
            if inComment { continue }
            if atLineStart {
                if byte == UInt8(ascii: " ") { indentation += 1; continue }
                atLineStart = false
            }
            let next = i + 1 < bytes.count ? bytes[i + 1] : UInt8(ascii: "\n")
            switch byte {
            case UInt8(ascii: "#") where isBlank(previous):
                inComment = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flow.append(FlowCollection(isSequence: byte == UInt8(ascii: "[")))
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if let closed = flow.popLast(), closed.holdsPair { openPairs -= 1 }
            case UInt8(ascii: ","):
                if flow.last?.holdsPair == true {
                    flow[flow.count - 1].holdsPair = false
                    openPairs -= 1
                }
            case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
                let beforeBlank = isBlank(next)
                if beforeBlank {
                    if byte == UInt8(ascii: ":") { lineHasValueIndicator = true } else { indicators += 1 }
                }
                let pairIndicator = byte != UInt8(ascii: "-")
                    && (beforeBlank || isFlowIndicator(next) || !isPlainScalarCharacter(previous))
                if pairIndicator, let open = flow.last, open.isSequence, !open.holdsPair {
                    flow[flow.count - 1].holdsPair = true
                    openPairs += 1
                }
            default:
                break
            }
            previous = byte
            if flow.count + openPairs + indentation + indicators + (lineHasValueIndicator ? 1 : 0) > limit {
                return (line, column)
            }
        }
        return nil
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }

    private static func isFlowIndicator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
    }

    /// Whether `byte`, just before a `:` or `?`, makes it part of a plain scalar (`re:x`) rather
    /// than an indicator: anything but a blank, a flow indicator or a closing quote.
    private static func isPlainScalarCharacter(_ byte: UInt8) -> Bool {
        !isBlank(byte) && !isFlowIndicator(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
    }
}
