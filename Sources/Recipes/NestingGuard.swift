/// A cheap upper bound on how deeply a YAML text nests, checked before Yams composes it: Yams
/// builds its tree recursively, so a document like `[[[[...` or `- - - - ...` a few hundred
/// thousand levels deep would overflow the stack. The bound counts, at every character, the
/// open flow brackets plus the current line's indentation and block indicators (`-`, `?`, `:`);
/// it never undercounts, and real recipes stay far below the limit.
enum NestingGuard {
    /// The first place where the bound exceeds `limit`, as a 1-based line and column.
    static func firstExcess(in text: String, limit: Int) -> (line: Int, column: Int)? {
        var flow = 0
        var line = 1
        var column = 0
        var indentation = 0
        var atLineStart = true
        var indicators = 0
        var inComment = false
        var previousWasSpace = true
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                line += 1
                column = 0
                indentation = 0
                indicators = 0
                atLineStart = true
                inComment = false
                previousWasSpace = true
                continue
            }
            column += 1
            if inComment { continue }
            if atLineStart {
                if scalar == " " { indentation += 1; continue }
                atLineStart = false
            }
            switch scalar {
            case "#" where previousWasSpace: inComment = true
            case "[", "{": flow += 1
            case "]", "}": flow = max(0, flow - 1)
            case "-", "?", ":": indicators += 1
            default: break
            }
            previousWasSpace = scalar == " " || scalar == "\t"
            if flow + indentation + indicators > limit { return (line, column) }
        }
        return nil
    }
}
