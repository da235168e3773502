/// Python's rules for text, which jinja2 inherits: what counts as whitespace and as a line
/// boundary, case mappings by code point, and `repr` of a string.
enum PythonText {
    /// `str.isspace()` of one character, the whitespace `str.strip()` and `str.split()` remove.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// The line boundaries of `str.splitlines()` (`\r\n` counts as one).
    static func isLineBoundary(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x1C...0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    static func lowercased(_ scalar: Unicode.Scalar) -> String {
        scalar.properties.lowercaseMapping
    }

    static func uppercased(_ scalar: Unicode.Scalar) -> String {
        scalar.properties.uppercaseMapping
    }

    static func titlecased(_ scalar: Unicode.Scalar) -> String {
        scalar.properties.titlecaseMapping
    }

    /// `str.lower()`.
    static func lowercased(_ text: String) -> String {
        text.unicodeScalars.allSatisfy(\.isASCII) ? text.lowercased() : text.unicodeScalars.map(lowercased).joined()
    }

    /// `str.upper()`.
    static func uppercased(_ text: String) -> String {
        text.unicodeScalars.allSatisfy(\.isASCII) ? text.uppercased() : text.unicodeScalars.map(uppercased).joined()
    }

    /// `str.title()`: a cased character after a cased one is lowercased, any other titlecased.
    static func titled(_ text: String) -> String {
        var result = ""
        var previousIsCased = false
        for scalar in text.unicodeScalars {
            result += previousIsCased ? lowercased(scalar) : titlecased(scalar)
            previousIsCased = scalar.properties.isCased
        }
        return result
    }

    /// `str.capitalize()`: the first character titlecased, the others lowercased.
    static func capitalized(_ text: String) -> String {
        var scalars = text.unicodeScalars.makeIterator()
        guard let first = scalars.next() else { return "" }
        var result = titlecased(first)
        while let scalar = scalars.next() { result += lowercased(scalar) }
        return result
    }

    /// `repr(text)`: quoted with `'` unless the text holds `'` and no `"`, with backslash escapes
    /// for the quote, the backslash, control characters and characters Python does not print.
    static func repr(_ text: String) -> String {
        let quote: Unicode.Scalar = text.unicodeScalars.contains("'") && !text.unicodeScalars.contains("\"") ? "\"" : "'"
        var result = String.UnicodeScalarView()
        result.append(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case quote, "\\": result.append("\\"); result.append(scalar)
            case "\t": result.append(contentsOf: "\\t".unicodeScalars)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            default:
                if isPrintable(scalar) {
                    result.append(scalar)
                } else {
                    result.append(contentsOf: escaped(scalar).unicodeScalars)
                }
            }
        }
        result.append(quote)
        return String(result)
    }

    /// `str.isprintable()` of one character: not a control, format, surrogate, private-use,
    /// unassigned or separator character, the ASCII space aside.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x20 && scalar.value < 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator: return false
        default: return true
        }
    }

    /// `\xHH`, `\uHHHH` or `\UHHHHHHHH`, as `repr` writes a character it does not print.
    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        let (prefix, width) = scalar.value < 0x100 ? ("\\x", 2) : scalar.value < 0x10000 ? ("\\u", 4) : ("\\U", 8)
        return prefix + String(repeating: "0", count: width - hex.count) + hex
    }
}
