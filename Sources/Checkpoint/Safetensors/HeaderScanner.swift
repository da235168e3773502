import JSON

/// A strict forward reader of a safetensors header's JSON text (RFC 8259): values are read one
/// token at a time as the header's schema expects them, so no tree of the document is ever
/// built and nothing recurses; memory is that of the values kept. Syntax errors are
/// `CheckpointError.invalidHeader` with the wording of `JSONParser.Failure`.
struct HeaderScanner {
    /// What starts at the reading position, for messages about a value of the wrong kind.
    enum Kind {
        case object, array, string, number, boolean, null

        var name: String {
            switch self {
            case .object: return "an object"
            case .array: return "an array"
            case .string: return "a string"
            case .number: return "a number"
            case .boolean: return "a boolean"
            case .null: return "null"
            }
        }
    }

    /// The longest excerpt of a value quoted in a message.
    static let excerptLength = 40

    private let bytes: UnsafeRawBufferPointer
    private let file: String
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    // MARK: Structure

    /// Consumes `byte` (after whitespace) when it comes next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == byte else { return false }
        offset += 1
        return true
    }

    /// Consumes `byte`, which must come next.
    mutating func expect(_ byte: UInt8) throws(CheckpointError) {
        guard consume(byte) else { throw offset < bytes.count ? unexpectedCharacter() : unexpectedEnd() }
    }

    /// After a member or element: true for `,` (another follows), false for `close` (the end).
    mutating func separator(closing close: UInt8) throws(CheckpointError) -> Bool {
        if consume(UInt8(ascii: ",")) { return true }
        try expect(close)
        return false
    }

    /// Checks that only whitespace is left.
    mutating func expectEnd() throws(CheckpointError) {
        skipWhitespace()
        guard offset == bytes.count else { throw unexpectedCharacter() }
    }

    /// The kind of the value that comes next.
    mutating func peekKind() throws(CheckpointError) -> Kind {
        skipWhitespace()
        guard offset < bytes.count else { throw unexpectedEnd() }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        default: throw unexpectedCharacter()
        }
    }

    // MARK: Scalars

    /// A string, which must come next.
    mutating func string() throws(CheckpointError) -> String {
        try expect(UInt8(ascii: "\""))
        let start = offset
        var escaped = false
        while true {
            guard offset < bytes.count else { throw unexpectedEnd() }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20 else { throw unexpectedCharacter() }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                offset += 1
                guard offset < bytes.count else { throw unexpectedEnd() }
            }
            offset += 1
        }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
        offset += 1
        return escaped ? try unescape(raw) : String(decoding: raw, as: UTF8.self)
    }

    /// A number, which must come next: its value when it is an integer (no fraction, no
    /// exponent), and its text.
    mutating func number() throws(CheckpointError) -> (integer: Int64?, text: String) {
        let literal = try numberLiteral()
        let text = String(decoding: literal, as: UTF8.self)
        guard !literal.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) else { return (nil, text) }
        let negative = literal.first == UInt8(ascii: "-")
        var value: Int64 = 0
        for digit in literal.dropFirst(negative ? 1 : 0) {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw .invalidHeader(file: file, reason: JSONParser.Failure.integerOutOfRange.description) }
            value = next
        }
        return (negative ? -value : value, text)
    }

    /// Consumes the value that comes next, which must be a scalar, and gives its text for a
    /// message (cut to `excerptLength`); a container is consumed up to its opening bracket only
    /// and named by its kind, since a message is all that follows.
    mutating func excerpt() throws(CheckpointError) -> String {
        let kind = try peekKind()
        let start = offset
        switch kind {
        case .object, .array:
            offset += 1
            return kind.name
        case .string:
            _ = try string()
        case .number:
            _ = try numberLiteral()
        case .boolean, .null:
            guard let word = ["true", "false", "null"].first(where: { matches($0) }) else { throw unexpectedCharacter() }
            offset += word.utf8.count
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        return text.count > Self.excerptLength ? String(text.prefix(Self.excerptLength)) + "..." : text
    }

    // MARK: Lexing

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): offset += 1
            default: return
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, consumed.
    private mutating func numberLiteral() throws(CheckpointError) -> UnsafeRawBufferPointer {
        skipWhitespace()
        let start = offset
        _ = take(UInt8(ascii: "-"))
        if !take(UInt8(ascii: "0")) { try digits() }
        if take(UInt8(ascii: ".")) { try digits() }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            try digits()
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
    }

    /// One or more decimal digits.
    private mutating func digits() throws(CheckpointError) {
        let start = offset
        while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
        guard offset > start else { throw offset < bytes.count ? unexpectedCharacter() : unexpectedEnd() }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard offset < bytes.count, bytes[offset] == byte else { return false }
        offset += 1
        return true
    }

    private func matches(_ word: String) -> Bool {
        let end = offset + word.utf8.count
        return end <= bytes.count && bytes[offset..<end].elementsEqual(word.utf8)
    }

    /// The text of a string's contents that hold escapes; a lone UTF-16 surrogate becomes U+FFFD.
    private func unescape(_ raw: UnsafeRawBufferPointer) throws(CheckpointError) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(raw.count)
        var pendingHigh: UInt32?
        func push(_ value: UInt32) { utf8.append(contentsOf: String(Unicode.Scalar(value) ?? "\u{FFFD}").utf8) }
        func flush() {
            if pendingHigh != nil { push(0xFFFD) }
            pendingHigh = nil
        }
        func append(_ value: UInt32) {
            if let high = pendingHigh, (0xDC00...0xDFFF).contains(value) {
                pendingHigh = nil
                return push(0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00))
            }
            flush()
            if (0xD800...0xDBFF).contains(value) { pendingHigh = value } else { push(value) }
        }
        var i = 0
        while i < raw.count {
            guard raw[i] == UInt8(ascii: "\\") else {
                flush()
                utf8.append(raw[i])
                i += 1
                continue
            }
            let code = raw[i + 1]
            i += 2
            switch code {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): append(UInt32(code))
            case UInt8(ascii: "b"): append(0x08)
            case UInt8(ascii: "f"): append(0x0C)
            case UInt8(ascii: "n"): append(0x0A)
            case UInt8(ascii: "r"): append(0x0D)
            case UInt8(ascii: "t"): append(0x09)
            case UInt8(ascii: "u"):
                guard i + 4 <= raw.count else { throw invalidEscape() }
                var unit: UInt32 = 0
                for digit in raw[i..<i + 4] {
                    guard let value = Self.hexValue(digit) else { throw invalidEscape() }
                    unit = unit << 4 | value
                }
                i += 4
                append(unit)
            default:
                throw invalidEscape()
            }
        }
        flush()
        return String(decoding: utf8, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt32? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(digit - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(digit - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(digit - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private func invalidEscape() -> CheckpointError {
        .invalidHeader(file: file, reason: JSONParser.Failure.syntax("invalid escape in a string").description)
    }

    private func unexpectedCharacter() -> CheckpointError {
        .invalidHeader(file: file, reason: JSONParser.Failure.syntax("unexpected character").description)
    }

    private func unexpectedEnd() -> CheckpointError {
        .invalidHeader(file: file, reason: JSONParser.Failure.syntax("unexpected end of input").description)
    }
}
