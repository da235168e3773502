import Foundation

/// What PyYAML's `Emitter.analyze_scalar` learns about a string: which styles can write it.
struct ScalarAnalysis {
    var empty = false
    var multiline = false
    var allowFlowPlain = true
    var allowBlockPlain = true
    var allowSingleQuoted = true

    private static let breaks: Set<Character> = ["\n", "\u{85}", "\u{2028}", "\u{2029}"]
    private static let whitespaceOrEnd: Set<Character> = ["\0", " ", "\t", "\r", "\n", "\u{85}", "\u{2028}", "\u{2029}"]

    init(_ text: String) {
        let chars = Array(text)
        if chars.isEmpty {
            empty = true
            allowFlowPlain = false
            return
        }
        var blockIndicators = false, flowIndicators = false, lineBreaks = false, special = false
        var leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false
        var breakSpace = false, spaceBreak = false
        if text.hasPrefix("---") || text.hasPrefix("...") { blockIndicators = true; flowIndicators = true }
        var precededByWhitespace = true
        var followedByWhitespace = chars.count == 1 || Self.whitespaceOrEnd.contains(chars[1])
        var previousSpace = false, previousBreak = false
        for (index, ch) in chars.enumerated() {
            if index == 0 {
                if "#,[]{}&*!|>'\"%@`".contains(ch) { flowIndicators = true; blockIndicators = true }
                if ch == "?" || ch == ":" {
                    flowIndicators = true
                    if followedByWhitespace { blockIndicators = true }
                }
                if ch == "-" && followedByWhitespace { flowIndicators = true; blockIndicators = true }
            } else {
                if ",?[]{}".contains(ch) { flowIndicators = true }
                if ch == ":" {
                    flowIndicators = true
                    if followedByWhitespace { blockIndicators = true }
                }
                if ch == "#" && precededByWhitespace { flowIndicators = true; blockIndicators = true }
            }
            if Self.breaks.contains(ch) { lineBreaks = true }
            if !(ch == "\n" || Self.isPrintableASCII(ch)) {
                let printable = ch.unicodeScalars.count == 1 && ch.unicodeScalars.first.map {
                    ($0 == "\u{85}" || Self.isPrintableUnicode($0)) && $0 != "\u{FEFF}"
                } == true
                if !printable { special = true }  // allow_unicode=True: printable non-ASCII is fine
            }
            if ch == " " {
                if index == 0 { leadingSpace = true }
                if index == chars.count - 1 { trailingSpace = true }
                if previousBreak { breakSpace = true }
                previousSpace = true
                previousBreak = false
            } else if Self.breaks.contains(ch) {
                if index == 0 { leadingBreak = true }
                if index == chars.count - 1 { trailingBreak = true }
                if previousSpace { spaceBreak = true }
                previousSpace = false
                previousBreak = true
            } else {
                previousSpace = false
                previousBreak = false
            }
            precededByWhitespace = Self.whitespaceOrEnd.contains(ch)
            followedByWhitespace = index + 2 >= chars.count || Self.whitespaceOrEnd.contains(chars[index + 2])
        }
        if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
            allowFlowPlain = false
            allowBlockPlain = false
        }
        if breakSpace {
            allowFlowPlain = false
            allowBlockPlain = false
            allowSingleQuoted = false
        }
        if spaceBreak || special {
            allowFlowPlain = false
            allowBlockPlain = false
            allowSingleQuoted = false
        }
        if lineBreaks {
            allowFlowPlain = false
            allowBlockPlain = false
        }
        if flowIndicators { allowFlowPlain = false }
        if blockIndicators { allowBlockPlain = false }
        multiline = lineBreaks
    }

    private static func isPrintableASCII(_ ch: Character) -> Bool {
        guard ch.unicodeScalars.count == 1, let v = ch.unicodeScalars.first?.value else { return false }
        return (0x20...0x7E).contains(v)
    }

    /// PyYAML's printable non-ASCII ranges.
    static func isPrintableUnicode(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0xA0...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000..<0x10FFFF).contains(v)
    }
}

/// PyYAML's implicit resolvers (YAML 1.1): a plain scalar that matches one of these is read back
/// as a boolean, number, null, timestamp, merge or value key, so a string like that must be quoted.
enum YAML11Resolver {
    private static let patterns: [NSRegularExpression] = [
        #"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"#,
        #"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"#,
        #"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"#,
        #"^(?:<<)$"#,
        #"^(?:~|null|Null|NULL|)$"#,
        #"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"#,
        #"^(?:=)$"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    /// Whether PyYAML would read `text`, written plain, back as a string.
    static func resolvesToString(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return !patterns.contains { $0.firstMatch(in: text, range: range) != nil }
    }
}
