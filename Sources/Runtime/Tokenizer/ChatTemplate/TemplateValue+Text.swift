/// Python's `str()` and `repr()` of values, which `{{ }}`, `~`, `join` and `string` write.
extension TemplateValue {
    /// `str(value)`: a string as it is, an undefined value as nothing, `None`, `True`, `1.0`,
    /// containers as their `repr`.
    func text() throws(TemplateFault) -> String {
        switch self {
        case .undefined: return ""
        case let .string(text), let .markup(text): return text
        default: return try representation()
        }
    }

    /// `repr(value)`.
    func representation() throws(TemplateFault) -> String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "None"
        case let .boolean(value): return value ? "True" : "False"
        case let .integer(value): return String(value)
        case let .float(value): return PythonFloat.repr(value)
        case let .string(text): return PythonText.repr(text)
        case let .markup(text): return "Markup(" + PythonText.repr(text) + ")"
        case let .list(items): return "[" + (try Self.representations(items)) + "]"
        case let .tuple(items): return items.count == 1 ? "(" + (try items[0].representation()) + ",)" : "(" + (try Self.representations(items)) + ")"
        case let .dictionary(dictionary): return try Self.representation(of: dictionary)
        case let .namespace(namespace): return "<Namespace " + (try Self.representation(of: namespace.attributes)) + ">"
        case let .loop(loop): return "<LoopContext \(loop.index0 + 1)/\(loop.items.count)>"
        case let .macro(macro): return "<Macro '\(macro.definition.name)'>"
        case let .function(function): throw .unsupported("writing the function '\(function.name)' as text")
        case let .iterator(iterator):
            guard iterator.isView else { throw .unsupported("writing a \(iterator.typeName) as text") }
            return iterator.typeName + "([" + (try Self.representations(iterator.items)) + "])"
        }
    }

    private static func representations(_ items: [TemplateValue]) throws(TemplateFault) -> String {
        var parts: [String] = []
        for item in items { parts.append(try item.representation()) }
        return parts.joined(separator: ", ")
    }

    private static func representation(of dictionary: TemplateDictionary) throws(TemplateFault) -> String {
        var parts: [String] = []
        for (key, value) in dictionary.members { parts.append((try key.representation()) + ": " + (try value.representation())) }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

/// Python's `repr(float)`: the shortest digits that read back as the same double, in positional
/// notation with at least one decimal (`1.0`, `0.0001`) when the decimal exponent is in [-4, 16),
/// else in scientific notation with a signed two-digit exponent (`1e-05`, `1e+16`).
enum PythonFloat {
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description has the same shortest round-trip digits, in another layout.
        let description = "\(value.magnitude)"
        let parts = description.split(separator: "e", maxSplits: 1)
        let exponent = parts.count > 1 ? Int(parts[1])! : 0
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let integerDigits = mantissa[0]
        var digits = Array(integerDigits + (mantissa.count > 1 ? mantissa[1] : ""))
        // The value is 0.DIGITS × 10^point.
        var point = integerDigits.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let sign = value < 0 ? "-" : ""
        let text = String(digits)
        if point <= -4 || point > 16 {
            let power = point - 1
            let magnitude = String(power.magnitude)
            let fraction = digits.count > 1 ? "." + text.dropFirst() : ""
            return sign + String(digits[0]) + fraction + "e" + (power < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + text }
        if point >= digits.count { return sign + text + String(repeating: "0", count: point - digits.count) + ".0" }
        return sign + text.prefix(point) + "." + text.dropFirst(point)
    }
}
