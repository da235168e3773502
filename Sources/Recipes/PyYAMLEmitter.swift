import Foundation
import JSON

/// Writes a value tree the way PyYAML 6's `yaml.dump(data, sort_keys=False,
/// default_flow_style=None, width=88, allow_unicode=True)` does, which is how llm-compressor
/// saves recipe.yaml: block mappings, collections of scalars in flow style (`[a, b]`), flow
/// collections wrapped past column 88, and strings quoted only when YAML 1.1 would read them as
/// something else.
///
/// It follows PyYAML's emitter state machine for the parts a recipe uses: mappings with string
/// keys, sequences, strings, integers, floats, booleans and null.
struct PyYAMLEmitter {
    private let bestWidth = 88
    private let bestIndent = 2

    private var out = ""
    private var column = 0
    private var whitespace = true
    private var indention = true
    private var indent: Int?
    private var indents: [Int?] = []
    private var flowLevel = 0

    static func dump(_ value: PyYAMLValue) -> String {
        var emitter = PyYAMLEmitter()
        emitter.node(value, simpleKey: false)
        if !emitter.out.hasSuffix("\n") || emitter.column != 0 { emitter.writeLineBreak() }
        return emitter.out
    }

    // MARK: Nodes

    private mutating func node(_ value: PyYAMLValue, inMapping: Bool = false, simpleKey: Bool) {
        switch value {
        case let .mapping(members):
            if flowLevel > 0 || members.isEmpty || members.allSatisfy(\.value.isScalar) {
                flowMapping(members)
            } else {
                blockMapping(members)
            }
        case let .sequence(items, tag):
            if let tag { writeIndicator(tag, needWhitespace: true) }
            // PyYAML picks flow style for a collection when every item is a scalar.
            if flowLevel > 0 || items.isEmpty || items.allSatisfy(\.isScalar) {
                flowSequence(items)
            } else {
                blockSequence(items, inMapping: inMapping)
            }
        case let .scalar(json):
            scalar(json, simpleKey: simpleKey)
        }
    }

    private mutating func increaseIndent(flow: Bool, indentless: Bool = false) {
        indents.append(indent)
        if let current = indent {
            if !indentless { indent = current + bestIndent }
        } else {
            indent = flow ? bestIndent : 0
        }
    }

    private mutating func popIndent() { indent = indents.removeLast() }

    private mutating func blockMapping(_ members: [(key: String, value: PyYAMLValue)]) {
        increaseIndent(flow: false)
        for (key, value) in members {
            writeIndent()
            scalar(.string(key), simpleKey: true)
            writeIndicator(":", needWhitespace: false)
            node(value, inMapping: true, simpleKey: false)
        }
        popIndent()
    }

    private mutating func blockSequence(_ items: [PyYAMLValue], inMapping: Bool) {
        increaseIndent(flow: false, indentless: inMapping && !indention)
        for item in items {
            writeIndent()
            writeIndicator("-", needWhitespace: true, indention: true)
            node(item, simpleKey: false)
        }
        popIndent()
    }

    private mutating func flowSequence(_ items: [PyYAMLValue]) {
        writeIndicator("[", needWhitespace: true, whitespace: true)
        flowLevel += 1
        increaseIndent(flow: true)
        for (i, item) in items.enumerated() {
            if i > 0 { writeIndicator(",", needWhitespace: false) }
            if column > bestWidth { writeIndent() }
            node(item, simpleKey: false)
        }
        popIndent()
        flowLevel -= 1
        writeIndicator("]", needWhitespace: false)
    }

    private mutating func flowMapping(_ members: [(key: String, value: PyYAMLValue)]) {
        writeIndicator("{", needWhitespace: true, whitespace: true)
        flowLevel += 1
        increaseIndent(flow: true)
        for (i, member) in members.enumerated() {
            if i > 0 { writeIndicator(",", needWhitespace: false) }
            if column > bestWidth { writeIndent() }
            scalar(.string(member.key), simpleKey: true)
            writeIndicator(":", needWhitespace: false)
            node(member.value, inMapping: true, simpleKey: false)
        }
        popIndent()
        flowLevel -= 1
        writeIndicator("}", needWhitespace: false)
    }

    // MARK: Scalars

    private mutating func scalar(_ value: JSONValue, simpleKey: Bool) {
        increaseIndent(flow: true)
        defer { popIndent() }
        switch value {
        case .null: writePlain("null", split: !simpleKey)
        case let .bool(b): writePlain(b ? "true" : "false", split: !simpleKey)
        case let .integer(i): writePlain(String(i), split: !simpleKey)
        case let .double(d, _): writePlain(Self.floatText(d), split: !simpleKey)
        case let .string(text):
            switch chooseStyle(text, simpleKey: simpleKey) {
            case .plain: writePlain(text, split: !simpleKey)
            case .single: writeSingleQuoted(text, split: !simpleKey)
            case .double: writeDoubleQuoted(text, split: !simpleKey)
            }
        default: break
        }
    }

    /// PyYAML's `represent_float`.
    static func floatText(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d == .infinity { return ".inf" }
        if d == -.infinity { return "-.inf" }
        var text = "\(d)".lowercased()
        if !text.contains("."), let e = text.firstIndex(of: "e") { text.replaceSubrange(e...e, with: ".0e") }
        return text
    }

    private enum Style { case plain, single, double }

    private func chooseStyle(_ text: String, simpleKey: Bool) -> Style {
        let analysis = ScalarAnalysis(text)
        if YAML11Resolver.resolvesToString(text) {
            let plainOK = flowLevel > 0 ? analysis.allowFlowPlain : analysis.allowBlockPlain
            if !(simpleKey && (analysis.empty || analysis.multiline)) && plainOK { return .plain }
        }
        if analysis.allowSingleQuoted && !(simpleKey && analysis.multiline) { return .single }
        return .double
    }

    // MARK: Writing

    private mutating func write(_ text: String) {
        out += text
        column += text.count
    }

    private mutating func writeIndicator(_ indicator: String, needWhitespace: Bool, whitespace ws: Bool = false, indention ind: Bool = false) {
        let data = (whitespace || !needWhitespace) ? indicator : " " + indicator
        whitespace = ws
        indention = indention && ind
        write(data)
    }

    private mutating func writeIndent() {
        let target = indent ?? 0
        if !indention || column > target || (column == target && !whitespace) { writeLineBreak() }
        if column < target {
            whitespace = true
            write(String(repeating: " ", count: target - column))
        }
    }

    private static let lineBreaks: Set<Character> = ["\n", "\u{85}", "\u{2028}", "\u{2029}"]

    private mutating func writeLineBreak(_ data: String = "\n") {
        whitespace = true
        indention = true
        out += data
        column = 0
    }

    private mutating func writePlain(_ text: String, split: Bool) {
        if text.isEmpty { return }
        if !whitespace { write(" ") }
        whitespace = false
        indention = false
        let chars = Array(text)
        var spaces = false
        var start = 0
        var end = 0
        while end <= chars.count {
            let ch: Character? = end < chars.count ? chars[end] : nil
            if spaces {
                if ch != " " {
                    if start + 1 == end && column > bestWidth && split {
                        writeIndent()
                        whitespace = false
                        indention = false
                    } else {
                        write(String(chars[start..<end]))
                    }
                    start = end
                }
            } else if ch == nil || ch == " " {
                write(String(chars[start..<end]))
                start = end
            }
            if let ch { spaces = ch == " " }
            end += 1
        }
    }

    private mutating func writeSingleQuoted(_ text: String, split: Bool) {
        writeIndicator("'", needWhitespace: true)
        let chars = Array(text)
        var spaces = false
        var breaks = false
        var start = 0
        var end = 0
        while end <= chars.count {
            let ch: Character? = end < chars.count ? chars[end] : nil
            if spaces {
                if ch != " " {
                    if start + 1 == end && column > bestWidth && split && start != 0 && end != chars.count {
                        writeIndent()
                    } else {
                        write(String(chars[start..<end]))
                    }
                    start = end
                }
            } else if breaks {
                if ch == nil || !Self.lineBreaks.contains(ch!) {
                    if chars[start] == "\n" { writeLineBreak() }
                    for br in chars[start..<end] {
                        if br == "\n" { writeLineBreak() } else { writeLineBreak(String(br)) }
                    }
                    writeIndent()
                    start = end
                }
            } else if ch == nil || ch == " " || ch == "'" || Self.lineBreaks.contains(ch!) {
                if start < end {
                    write(String(chars[start..<end]))
                    start = end
                }
            }
            if ch == "'" {
                write("''")
                start = end + 1
            }
            if let ch {
                spaces = ch == " "
                breaks = Self.lineBreaks.contains(ch)
            }
            end += 1
        }
        writeIndicator("'", needWhitespace: false)
    }

    private static let escapes: [Unicode.Scalar: String] = [
        "\0": "0", "\u{07}": "a", "\u{08}": "b", "\t": "t", "\n": "n", "\u{0B}": "v", "\u{0C}": "f",
        "\r": "r", "\u{1B}": "e", "\"": "\"", "\\": "\\", "\u{85}": "N", "\u{A0}": "_",
        "\u{2028}": "L", "\u{2029}": "P",
    ]

    private mutating func writeDoubleQuoted(_ text: String, split: Bool) {
        writeIndicator("\"", needWhitespace: true)
        let chars = Array(text.unicodeScalars)
        func piece(_ range: Range<Int>) -> String {
            var s = ""
            s.unicodeScalars.append(contentsOf: chars[range])
            return s
        }
        var start = 0
        var end = 0
        while end <= chars.count {
            let ch: Unicode.Scalar? = end < chars.count ? chars[end] : nil
            let needsEscape: Bool = {
                guard let ch else { return true }
                if "\"\\\u{85}\u{2028}\u{2029}\u{FEFF}".unicodeScalars.contains(ch) { return true }
                let v = ch.value
                return !((0x20...0x7E).contains(v) || (0xA0...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v))
            }()
            if needsEscape {
                if start < end {
                    write(piece(start..<end))
                    start = end
                }
                if let ch {
                    let v = ch.value
                    let data: String
                    if let e = Self.escapes[ch] { data = "\\" + e }
                    else if v <= 0xFF { data = String(format: "\\x%02X", v) }
                    else if v <= 0xFFFF { data = String(format: "\\u%04X", v) }
                    else { data = String(format: "\\U%08X", v) }
                    write(data)
                    start = end + 1
                }
            }
            if end > 0 && end < chars.count - 1 && (ch == " " || start >= end)
                && column + (end - start) > bestWidth && split {
                let data = piece(start..<max(start, end)) + "\\"
                if start < end { start = end }
                write(data)
                writeIndent()
                whitespace = false
                indention = false
                if chars[start] == " " { write("\\") }
            }
            end += 1
        }
        writeIndicator("\"", needWhitespace: false)
    }
}
