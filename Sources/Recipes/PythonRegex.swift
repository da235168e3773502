import Foundation

/// A Python `re` pattern run with `re.match` semantics (anchored at the start of the string,
/// not at the end) on top of ICU's `NSRegularExpression`. The Python-only syntax that recipes
/// use is translated: `(?P<name>...)`, `(?P=name)`, `\Z`, `{,n}`.
public struct PythonRegex: @unchecked Sendable {
    /// Why a pattern was refused.
    public struct Failure: Error, Sendable {
        public let message: String
    }

    /// The pattern as written.
    public let pattern: String
    private let regex: NSRegularExpression

    public init(_ pattern: String) throws(Failure) {
        self.pattern = pattern
        do {
            regex = try NSRegularExpression(pattern: Self.translate(pattern), options: [])
        } catch {
            throw Failure(message: "not a valid regular expression")
        }
    }

    /// Python's `re.match(pattern, text) is not None`.
    public func matchesAtStart(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.firstMatch(in: text, options: [.anchored], range: range) != nil
    }

    /// ICU spelling of a Python pattern.
    static func translate(_ pattern: String) -> String {
        var out = ""
        let chars = Array(pattern)
        var i = 0
        var inClass = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                let next = chars[i + 1]
                out.append(!inClass && next == "Z" ? "\\z" : "\\\(next)")
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                out.append(c)
                i += 1
                continue
            }
            if c == "[" {
                inClass = true
                out.append(c)
                i += 1
                // A `]` right after `[` or `[^` is a literal in both dialects.
                if i < chars.count, chars[i] == "^" { out.append("^"); i += 1 }
                if i < chars.count, chars[i] == "]" { out.append("\\]"); i += 1 }
                continue
            }
            if c == "(", i + 2 < chars.count, chars[i + 1] == "?", chars[i + 2] == "P" {
                if i + 3 < chars.count, chars[i + 3] == "<" {
                    out += "(?<"
                    i += 4
                    continue
                }
                if i + 3 < chars.count, chars[i + 3] == "=",
                   let close = chars[(i + 4)...].firstIndex(of: ")") {
                    out += "\\k<" + String(chars[(i + 4)..<close]) + ">"
                    i = close + 1
                    continue
                }
            }
            if c == "{", i + 1 < chars.count, chars[i + 1] == "," {
                out += "{0"
                i += 1
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }
}
