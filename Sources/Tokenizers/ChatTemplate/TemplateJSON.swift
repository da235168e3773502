import Checkpoint
import JSON

extension TemplateValue {
    /// The value Python's `json.loads` gives for a JSON value: objects keep their member order,
    /// integers stay `int`, other numbers are `float`.
    init(json: JSONValue) {
        switch json {
        case .null: self = .none
        case let .bool(value): self = .boolean(value)
        case let .integer(value): self = .integer(Int(value))
        case let .double(value, _): self = .float(value)
        case let .string(value): self = .string(value)
        case let .array(items): self = .list(items.map(TemplateValue.init(json:)))
        case let .object(object):
            var dictionary = TemplateDictionary(minimumCapacity: object.count)
            for key in object.keys { dictionary.set(TemplateValue(json: object[key]!), for: key) }
            self = .dictionary(dictionary)
        }
    }
}

/// transformers' `tojson` filter: Python's `json.dumps(value, ensure_ascii=False, indent=None,
/// separators=None, sort_keys=False)` with those four arguments open to the template. Unlike
/// jinja2's own `tojson`, it escapes no HTML characters.
struct TemplateJSONEncoder {
    /// `\uXXXX` for every character beyond ASCII.
    var ensureASCII = false
    /// With an indent, each member goes on its own line, indented by this string per level.
    var indent: String?
    var itemSeparator = ", "
    var keySeparator = ": "
    var sortKeys = false

    /// An encoder for the filter's arguments (`indent` a count of spaces or a string;
    /// `separators` a pair of strings).
    init(ensureASCII: TemplateValue?, indent: TemplateValue?, separators: TemplateValue?, sortKeys: TemplateValue?) throws(TemplateFault) {
        self.ensureASCII = ensureASCII?.isTruthy ?? false
        self.sortKeys = sortKeys?.isTruthy ?? false
        switch indent {
        case nil, .none?: break
        case let .string(text)?: self.indent = text
        case let value?:
            guard let count = value.integer else { throw .error("tojson: indent must be an int or a string, got '\(value.typeName)'") }
            self.indent = String(repeating: " ", count: max(count, 0))
        }
        if self.indent != nil { itemSeparator = "," }
        switch separators {
        case nil, .none?: break
        case let .list(pair)?, let .tuple(pair)?:
            guard pair.count == 2, case let .string(item) = pair[0], case let .string(key) = pair[1] else {
                throw .error("tojson: separators must be a pair of strings")
            }
            itemSeparator = item
            keySeparator = key
        case let value?:
            throw .error("tojson: separators must be a pair of strings, got '\(value.typeName)'")
        }
    }

    func encode(_ value: TemplateValue) throws(TemplateFault) -> String {
        var output = ""
        try write(value, level: 0, into: &output)
        return output
    }

    private func write(_ value: TemplateValue, level: Int, into output: inout String) throws(TemplateFault) {
        switch value {
        case .none: output += "null"
        case let .boolean(flag): output += flag ? "true" : "false"
        case let .integer(integer): output += String(integer)
        case let .float(float): output += Self.number(float)
        case let .string(text), let .markup(text): writeString(text, into: &output)
        case let .list(items), let .tuple(items):
            guard !items.isEmpty else { output += "[]"; return }
            output += "["
            for (position, item) in items.enumerated() {
                output += position == 0 ? "" : itemSeparator
                writeBreak(level: level + 1, into: &output)
                try write(item, level: level + 1, into: &output)
            }
            writeBreak(level: level, into: &output)
            output += "]"
        case let .dictionary(dictionary):
            guard dictionary.count > 0 else { output += "{}"; return }
            var members = Array(dictionary.members)
            if sortKeys {
                var failure: TemplateFault?
                members.sort { left, right in
                    do throws(TemplateFault) {
                        return try left.0.compare(to: right.0) < 0
                    } catch {
                        failure = error
                        return false
                    }
                }
                if let failure { throw failure }
            }
            output += "{"
            for (position, (key, member)) in members.enumerated() {
                output += position == 0 ? "" : itemSeparator
                writeBreak(level: level + 1, into: &output)
                writeString(try Self.keyText(key), into: &output)
                output += keySeparator
                try write(member, level: level + 1, into: &output)
            }
            writeBreak(level: level, into: &output)
            output += "}"
        default:
            throw .error("Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private func writeBreak(level: Int, into output: inout String) {
        guard let indent else { return }
        output += "\n"
        for _ in 0..<level { output += indent }
    }

    /// A key as `json.dumps` writes it: strings as they are, other scalars as their JSON text.
    private static func keyText(_ key: TemplateValue) throws(TemplateFault) -> String {
        switch key {
        case let .string(text), let .markup(text): return text
        case .none: return "null"
        case let .boolean(flag): return flag ? "true" : "false"
        case let .integer(value): return String(value)
        case let .float(value): return number(value)
        default: throw .error("keys must be str, int, float, bool or None, not \(key.typeName)")
        }
    }

    private static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return PythonFloat.repr(value)
    }

    private func writeString(_ text: String, into output: inout String) {
        var escaped = String.UnicodeScalarView()
        escaped.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": escaped.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
            case "\r": escaped.append(contentsOf: "\\r".unicodeScalars)
            case "\t": escaped.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": escaped.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": escaped.append(contentsOf: "\\f".unicodeScalars)
            default:
                if scalar.value < 0x20 {
                    escaped.append(contentsOf: Self.unicodeEscape(scalar.value).unicodeScalars)
                } else if ensureASCII && scalar.value > 0x7E {
                    if scalar.value > 0xFFFF {
                        let offset = scalar.value - 0x10000
                        escaped.append(contentsOf: Self.unicodeEscape(0xD800 + (offset >> 10)).unicodeScalars)
                        escaped.append(contentsOf: Self.unicodeEscape(0xDC00 + (offset & 0x3FF)).unicodeScalars)
                    } else {
                        escaped.append(contentsOf: Self.unicodeEscape(scalar.value).unicodeScalars)
                    }
                } else {
                    escaped.append(scalar)
                }
            }
        }
        escaped.append("\"")
        output.unicodeScalars.append(contentsOf: escaped)
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
