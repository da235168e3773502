/// Cuts a template's source into tokens as jinja2's lexer does with the settings of transformers'
/// chat templates (`trim_blocks=True`, `lstrip_blocks=True`, `keep_trailing_newline=False`):
///
/// - line breaks (`\r\n`, `\r`, `\n`) become `\n`, and one at the very end is dropped;
/// - `{%-`, `{{-`, `{#-` remove all whitespace before the tag, `-%}`, `-}}`, `-#}` all after it;
/// - without a sign, a `{%` or `{#` tag that only spaces precede on its line takes those spaces
///   away (`lstrip_blocks`; `{%+` keeps them), and `%}` or `#}` takes away the one line break
///   right after it (`trim_blocks`; `+%}` keeps it);
/// - comments are dropped; `{% raw %}…{% endraw %}` is text;
/// - inside a tag, the end delimiter only counts where brackets are balanced.
struct TemplateLexer {
    private let source: [Unicode.Scalar]
    private var position = 0
    private var line = 1
    private var tokens: [TemplateToken] = []

    /// The tokens of `text`, ending with `.endOfTemplate`.
    static func tokenize(_ text: String) throws(TemplateFault) -> [TemplateToken] {
        var lexer = TemplateLexer(source: normalizedLines(text))
        try lexer.run()
        return lexer.tokens
    }

    private init(source: [Unicode.Scalar]) {
        self.source = source
    }

    /// `text` with every line break as `\n` and without one final line break.
    private static func normalizedLines(_ text: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.unicodeScalars.count)
        var previousWasReturn = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasReturn {
                previousWasReturn = false
                continue
            }
            previousWasReturn = scalar == "\r"
            scalars.append(previousWasReturn ? "\n" : scalar)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        return scalars
    }

    private mutating func run() throws(TemplateFault) {
        while position < source.count {
            guard let tagStart = nextTagStart() else {
                emitText(from: position, to: source.count, line: line)
                advance(to: source.count)
                break
            }
            let opener = source[tagStart + 1]
            var bodyStart = tagStart + 2
            var sign: Unicode.Scalar?
            if bodyStart < source.count, source[bodyStart] == "-" || source[bodyStart] == "+" {
                sign = source[bodyStart]
                bodyStart += 1
            }
            let rawEnd = opener == "%" ? rawTagEnd(from: bodyStart) : nil
            emitStrippedText(to: tagStart, sign: sign, tagIsVariable: opener == "{")
            advance(to: bodyStart)
            switch opener {
            case "#":
                try skipComment()
            case "{":
                try lexTag(isBlock: false)
            default:
                if let rawEnd {
                    advance(to: rawEnd)
                    try lexRawContent()
                } else {
                    try lexTag(isBlock: true)
                }
            }
        }
        tokens.append(TemplateToken(kind: .endOfTemplate, line: line))
    }

    // MARK: Text

    /// The start of the next `{{`, `{%` or `{#`.
    private func nextTagStart() -> Int? {
        var index = position
        while index + 1 < source.count {
            if source[index] == "{" {
                let next = source[index + 1]
                if next == "{" || next == "%" || next == "#" { return index }
            }
            index += 1
        }
        return nil
    }

    /// Emits the text from `position` up to a tag at `end`, trimmed as the tag's `sign` and
    /// `lstrip_blocks` ask: jinja2 tests for the start of a line by the text holding a line
    /// break, or by the text itself starting one.
    private mutating func emitStrippedText(to end: Int, sign: Unicode.Scalar?, tagIsVariable: Bool) {
        var stop = end
        if sign == "-" {
            while stop > position, PythonText.isWhitespace(source[stop - 1]) { stop -= 1 }
        } else if sign != "+" && !tagIsVariable {
            var lineStart = stop
            while lineStart > position, source[lineStart - 1] != "\n" { lineStart -= 1 }
            let startsLine = lineStart > position || position == 0 || source[position - 1] == "\n"
            if startsLine, lineStart < stop, source[lineStart..<stop].allSatisfy(PythonText.isWhitespace) { stop = lineStart }
        }
        emitText(from: position, to: stop, line: line)
    }

    private mutating func emitText(from start: Int, to end: Int, line: Int) {
        guard start < end else { return }
        tokens.append(TemplateToken(kind: .text(String(String.UnicodeScalarView(source[start..<end]))), line: line))
    }

    /// Moves to `index`, counting the line breaks passed.
    private mutating func advance(to index: Int) {
        while position < index {
            if source[position] == "\n" { line += 1 }
            position += 1
        }
    }

    /// After a tag's end: `-` takes all whitespace away, no sign the one line break (`trim_blocks`).
    private mutating func skipAfterTagEnd(sign: Unicode.Scalar?, trimsLine: Bool) {
        if sign == "-" {
            while position < source.count, PythonText.isWhitespace(source[position]) { advance(to: position + 1) }
        } else if sign == nil, trimsLine, position < source.count, source[position] == "\n" {
            advance(to: position + 1)
        }
    }

    private mutating func skipComment() throws(TemplateFault) {
        var index = position
        while index + 1 < source.count, !(source[index] == "#" && source[index + 1] == "}") { index += 1 }
        guard index + 1 < source.count else { throw .error("missing end of comment tag", line: line) }
        let sign: Unicode.Scalar? = index > position && (source[index - 1] == "-" || source[index - 1] == "+") ? source[index - 1] : nil
        advance(to: index + 2)
        skipAfterTagEnd(sign: sign, trimsLine: true)
    }

    // MARK: Raw blocks

    /// Where a `{% raw %}` tag whose body starts at `start` ends (after its `%}` and, with `-%}`,
    /// the whitespace after it), or nil when the tag is not `raw`.
    private func rawTagEnd(from start: Int) -> Int? {
        var index = skipWhitespace(from: start)
        guard matches("raw", at: index) else { return nil }
        index = skipWhitespace(from: index + 3)
        if matches("-%}", at: index) { return skipWhitespace(from: index + 3) }
        return matches("%}", at: index) ? index + 2 : nil
    }

    private mutating func lexRawContent() throws(TemplateFault) {
        var index = position
        while index + 1 < source.count {
            if source[index] == "{" && source[index + 1] == "%" {
                var cursor = index + 2
                var sign: Unicode.Scalar?
                if cursor < source.count, source[cursor] == "-" || source[cursor] == "+" {
                    sign = source[cursor]
                    cursor += 1
                }
                cursor = skipWhitespace(from: cursor)
                if matches("endraw", at: cursor) {
                    cursor = skipWhitespace(from: cursor + 6)
                    var endSign: Unicode.Scalar?
                    if cursor < source.count, source[cursor] == "-" || source[cursor] == "+" {
                        endSign = source[cursor]
                        cursor += 1
                    }
                    if matches("%}", at: cursor) {
                        emitStrippedText(to: index, sign: sign, tagIsVariable: false)
                        advance(to: cursor + 2)
                        skipAfterTagEnd(sign: endSign, trimsLine: true)
                        return
                    }
                }
            }
            index += 1
        }
        throw .error("missing end of raw directive", line: line)
    }

    private func skipWhitespace(from start: Int) -> Int {
        var index = start
        while index < source.count, PythonText.isWhitespace(source[index]) { index += 1 }
        return index
    }

    private func matches(_ word: String, at index: Int) -> Bool {
        var cursor = index
        for scalar in word.unicodeScalars {
            guard cursor < source.count, source[cursor] == scalar else { return false }
            cursor += 1
        }
        return true
    }

    // MARK: Tags

    private mutating func lexTag(isBlock: Bool) throws(TemplateFault) {
        tokens.append(TemplateToken(kind: isBlock ? .blockBegin : .variableBegin, line: line))
        var brackets: [Unicode.Scalar] = []
        while true {
            if brackets.isEmpty, let (end, sign) = tagEnd(isBlock: isBlock) {
                tokens.append(TemplateToken(kind: isBlock ? .blockEnd : .variableEnd, line: line))
                advance(to: end)
                skipAfterTagEnd(sign: sign, trimsLine: isBlock)
                return
            }
            guard position < source.count else { throw .error("unexpected end of template", line: line) }
            let scalar = source[position]
            if PythonText.isWhitespace(scalar) {
                advance(to: position + 1)
            } else if scalar == "'" || scalar == "\"" {
                try lexString(quote: scalar)
            } else if Self.isDigit(scalar) {
                try lexNumber()
            } else if scalar == "_" || scalar.properties.isAlphabetic {
                lexName()
            } else {
                try lexSymbol(&brackets)
            }
        }
    }

    /// The end of the tag's closing delimiter at `position` and its sign, if one is there.
    private func tagEnd(isBlock: Bool) -> (Int, Unicode.Scalar?)? {
        let closer = isBlock ? "%}" : "}}"
        if position < source.count, source[position] == "-" || (isBlock && source[position] == "+"), matches(closer, at: position + 1) {
            return (position + 3, source[position])
        }
        return matches(closer, at: position) ? (position + 2, nil) : nil
    }

    private mutating func lexName() {
        var end = position
        while end < source.count, source[end] == "_" || source[end].properties.isAlphabetic || Self.isDigit(source[end]) {
            end += 1
        }
        tokens.append(TemplateToken(kind: .name(String(String.UnicodeScalarView(source[position..<end]))), line: line))
        advance(to: end)
    }

    private static let symbols = ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"]

    private mutating func lexSymbol(_ brackets: inout [Unicode.Scalar]) throws(TemplateFault) {
        guard let symbol = Self.symbols.first(where: { matches($0, at: position) }) else {
            throw .error("unexpected char \(PythonText.repr(String(source[position]))) at \(position)", line: line)
        }
        switch symbol {
        case "(", "[", "{":
            brackets.append(symbol.unicodeScalars.first!)
        case ")", "]", "}":
            let opener: Unicode.Scalar = symbol == ")" ? "(" : symbol == "]" ? "[" : "{"
            guard brackets.last == opener else { throw .error("unexpected '\(symbol)'", line: line) }
            brackets.removeLast()
        default:
            break
        }
        tokens.append(TemplateToken(kind: .symbol(symbol), line: line))
        advance(to: position + symbol.unicodeScalars.count)
    }

    // MARK: Literals

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x30 && scalar.value <= 0x39
    }

    private mutating func lexString(quote: Unicode.Scalar) throws(TemplateFault) {
        var index = position + 1
        while index < source.count, source[index] != quote {
            index += source[index] == "\\" ? 2 : 1
        }
        guard index < source.count else { throw .error("unexpected end of string", line: line) }
        let value = try Self.unescaped(source[(position + 1)..<index])
        tokens.append(TemplateToken(kind: .string(value), line: line))
        advance(to: index + 1)
    }

    /// The text of a string literal's body with Python's `unicode-escape` escapes undone;
    /// an unknown escape keeps its backslash.
    private static func unescaped(_ body: ArraySlice<Unicode.Scalar>) throws(TemplateFault) -> String {
        var result = String.UnicodeScalarView()
        var index = body.startIndex
        func hexValue(_ count: Int, _ escape: String) throws(TemplateFault) -> Unicode.Scalar {
            let digits = body[(index + 1)..<min(index + 1 + count, body.endIndex)]
            guard digits.count == count, let value = UInt32(String(String.UnicodeScalarView(digits)), radix: 16), let scalar = Unicode.Scalar(value) else {
                throw .error("can't decode string literal: truncated or invalid \\\(escape) escape")
            }
            index += count
            return scalar
        }
        while index < body.endIndex {
            let scalar = body[index]
            guard scalar == "\\", index + 1 < body.endIndex else {
                result.append(scalar)
                index += 1
                continue
            }
            index += 1
            let escape = body[index]
            switch escape {
            case "\n": break
            case "\\", "'", "\"": result.append(escape)
            case "a": result.append("\u{07}")
            case "b": result.append("\u{08}")
            case "f": result.append("\u{0C}")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "t": result.append("\t")
            case "v": result.append("\u{0B}")
            case "x": result.append(try hexValue(2, "x"))
            case "u": result.append(try hexValue(4, "u"))
            case "U": result.append(try hexValue(8, "U"))
            case "0"..."7":
                var value = escape.value - 0x30
                var digits = 1
                while digits < 3, index + 1 < body.endIndex, ("0"..."7").contains(body[index + 1]) {
                    index += 1
                    digits += 1
                    value = value * 8 + body[index].value - 0x30
                }
                result.append(Unicode.Scalar(value)!)
            case "N":
                throw .unsupported("the \\N{...} escape")
            default:
                result.append("\\")
                result.append(escape)
            }
            index += 1
        }
        return String(result)
    }

    /// An integer (decimal with `_` separators, or `0x`, `0o`, `0b`) or a float (`1.5`, `1e3`,
    /// `2.5e-3`); a number right after a `.` is an integer, as in `messages.0`.
    private mutating func lexNumber() throws(TemplateFault) {
        func digits(from start: Int, allowed: (Unicode.Scalar) -> Bool) -> Int {
            var end = start
            while end < source.count, allowed(source[end]) || (source[end] == "_" && end > start && end + 1 < source.count && allowed(source[end + 1])) {
                end += 1
            }
            return end
        }
        let isDecimal = Self.isDigit
        let afterDot = position > 0 && source[position - 1] == "."
        if source[position] == "0", position + 1 < source.count, let radix = ["x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2][Character(source[position + 1])] {
            let end = digits(from: position + 2) { $0.isASCII && Int(String($0), radix: radix) != nil }
            let text = String(String.UnicodeScalarView(source[(position + 2)..<end].filter { $0 != "_" }))
            guard let value = Int(text, radix: radix) else { throw .error("invalid integer literal", line: line) }
            tokens.append(TemplateToken(kind: .integer(value), line: line))
            advance(to: end)
            return
        }
        var end = digits(from: position, allowed: isDecimal)
        var isFloat = false
        if !afterDot {
            if end + 1 < source.count, source[end] == ".", isDecimal(source[end + 1]) {
                end = digits(from: end + 1, allowed: isDecimal)
                isFloat = true
            }
            if end < source.count, source[end] == "e" || source[end] == "E" {
                var exponent = end + 1
                if exponent < source.count, source[exponent] == "+" || source[exponent] == "-" { exponent += 1 }
                if exponent < source.count, isDecimal(source[exponent]) {
                    end = digits(from: exponent, allowed: isDecimal)
                    isFloat = true
                }
            }
        }
        let text = String(String.UnicodeScalarView(source[position..<end].filter { $0 != "_" }))
        if isFloat {
            guard let value = Double(text) else { throw .error("invalid float literal", line: line) }
            tokens.append(TemplateToken(kind: .float(value), line: line))
        } else {
            guard let value = Int(text) else { throw .unsupported("an integer literal beyond 64 bits", line: line) }
            tokens.append(TemplateToken(kind: .integer(value), line: line))
        }
        advance(to: end)
    }
}
