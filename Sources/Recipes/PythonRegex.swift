import Foundation

/// A Python `re` pattern run with `re.match` semantics (anchored at the start of the string,
/// not at the end) on top of ICU's `NSRegularExpression`. The Python-only syntax that recipes
/// use is translated: `(?P<name>...)`, `(?P=name)`, `\Z`, `{,n}`.
///
/// A match may spend `baseSteps` plus `stepsPerCharacter` per UTF-16 unit of the text, the
/// budget the tokenizer's own regex engine has: far more than real patterns need, far less than
/// nested repetitions such as `(.|.)*Z$` take on a module name (exponential in its length), so a
/// hostile pattern fails in milliseconds instead of running for minutes.
public struct PythonRegex: @unchecked Sendable {
    /// Why a pattern was refused.
    public struct Failure: Error, Sendable {
        public let message: String
    }

    /// A match that ran out of its step budget, which was `steps`.
    public struct BudgetExceeded: Error, Sendable {
        public let steps: Int
    }

    static let baseSteps = 100_000
    static let stepsPerCharacter = 1_000
    /// ICU's backtracking matcher counts its work in state saves and reports progress every
    /// 10 000 of them (its match callback, for which `NSRegularExpression` calls the block with
    /// `.progress`): a step of the budget is a state save.
    static let stepsPerProgressReport = 10_000

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
    /// - Throws: `BudgetExceeded` when the match takes more steps than `text` allows.
    public func matchesAtStart(_ text: String) throws(BudgetExceeded) -> Bool {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        let budget = Self.baseSteps + Self.stepsPerCharacter * range.length
        var matched = false
        var stepsSpent = 0
        regex.enumerateMatches(in: text, options: [.anchored, .reportProgress], range: range) { result, flags, stop in
            if result != nil {
                matched = true
                stop.pointee = true
            } else if flags.contains(.progress) {
                stepsSpent += Self.stepsPerProgressReport
                if stepsSpent > budget { stop.pointee = true }
            }
        }
        if !matched && stepsSpent > budget { throw BudgetExceeded(steps: budget) }
        return matched
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
