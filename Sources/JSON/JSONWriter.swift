/// Writes JSON text the way Python's `json.dumps` does, so that config files we patch read like
/// the ones transformers and llm-compressor write.
public enum JSONWriter {
    /// Pretty text with `indent` spaces per level (Python's `indent=2` form) and ASCII-only strings.
    public static func pretty(_ value: JSONValue, indent: Int = 2) -> String {
        var out = ""
        write(value, to: &out, indent: indent, level: 0)
        return out
    }

    /// Compact text with no spaces, as the safetensors header is written.
    public static func compact(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out, indent: nil, level: 0)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout String, indent: Int?, level: Int) {
        switch value {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .integer(i): out += String(i)
        case let .double(d, literal): out += literal ?? pythonRepr(d)
        case let .string(s): writeString(s, to: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent, level + 1)
                write(item, to: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "]"
        case let .object(object):
            if object.isEmpty { out += "{}"; return }
            out += "{"
            for (i, member) in object.members.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent, level + 1)
                writeString(member.key, to: &out)
                out += indent == nil ? ":" : ": "
                write(member.value, to: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int?, _ level: Int) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: " ", count: indent * level)
    }

    /// Python's `repr` of a float: shortest round-trip digits, `1e-06` style exponents.
    static func pythonRepr(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return d.description
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: out += "\\u" + hex4(unit)
            }
        }
        out += "\""
    }

    private static func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}
