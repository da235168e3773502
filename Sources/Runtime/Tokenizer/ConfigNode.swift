import Checkpoint
import JSON

/// A value inside tokenizer.json together with its file and JSON path, so that every reader of a
/// component reports a wrong kind or a missing member as a `TokenizerError` naming both.
struct ConfigNode {
    let value: JSONValue
    /// The member's path, e.g. `pre_tokenizer.pretokenizers[0].pattern`.
    let path: String
    let file: String

    /// The member `key`; a missing or null member is an error.
    func required(_ key: String) throws(TokenizerError) -> ConfigNode {
        guard let node = try optional(key) else { throw .missingField(file: file, field: child(key)) }
        return node
    }

    /// The member `key`, or nil when it is absent or null.
    func optional(_ key: String) throws(TokenizerError) -> ConfigNode? {
        guard case let .object(object) = value else { throw invalid("expected an object, found \(value.kindName)") }
        guard let member = object[key], member != .null else { return nil }
        return ConfigNode(value: member, path: child(key), file: file)
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error about this member.
    func invalid(_ reason: String) -> TokenizerError {
        .invalidField(file: file, field: path, reason: reason)
    }

    func string() throws(TokenizerError) -> String {
        guard case let .string(s) = value else { throw invalid("expected a string, found \(value.kindName)") }
        return s
    }

    func bool() throws(TokenizerError) -> Bool {
        guard case let .bool(b) = value else { throw invalid("expected a boolean, found \(value.kindName)") }
        return b
    }

    /// An integer that fits an `Int` and is at least `minimum`.
    func integer(minimum: Int = 0) throws(TokenizerError) -> Int {
        guard case let .integer(i) = value, i >= Int64(minimum), i <= Int64(Int32.max) else {
            throw invalid("expected an integer of at least \(minimum), found \(value.kindName)")
        }
        return Int(i)
    }

    func array() throws(TokenizerError) -> [ConfigNode] {
        guard case let .array(items) = value else { throw invalid("expected an array, found \(value.kindName)") }
        return items.enumerated().map { ConfigNode(value: $1, path: "\(path)[\($0)]", file: file) }
    }

    /// The members of an object, in document order.
    func members() throws(TokenizerError) -> [(key: String, node: ConfigNode)] {
        guard case let .object(object) = value else { throw invalid("expected an object, found \(value.kindName)") }
        return object.members.map { ($0.key, ConfigNode(value: $0.value, path: child($0.key), file: file)) }
    }

    /// A boolean member with a default when absent.
    func bool(_ key: String, default fallback: Bool) throws(TokenizerError) -> Bool {
        try optional(key)?.bool() ?? fallback
    }

    /// A string member with a default when absent.
    func string(_ key: String, default fallback: String) throws(TokenizerError) -> String {
        try optional(key)?.string() ?? fallback
    }

    /// The `type` member of a component.
    func typeName() throws(TokenizerError) -> String {
        try required("type").string()
    }

    /// An error saying this component's type is not one we implement.
    func unsupported(_ type: String) -> TokenizerError {
        .unsupportedType(file: file, field: path, type: type)
    }

    /// A single-scalar member such as Metaspace's `replacement` or Strip's `content`.
    func scalar(_ key: String, default fallback: Unicode.Scalar? = nil) throws(TokenizerError) -> Unicode.Scalar {
        guard let node = try optional(key) else {
            if let fallback { return fallback }
            throw .missingField(file: file, field: child(key))
        }
        let text = try node.string()
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw node.invalid("expected a single character")
        }
        return scalar
    }

    /// A `pattern` member: `{"String": "…"}` (a literal) or `{"Regex": "…"}`.
    func pattern() throws(TokenizerError) -> ScalarRegex {
        if let literal = try optional("String") { return ScalarRegex(literal: try literal.string()) }
        if let regex = try optional("Regex") {
            let text = try regex.string()
            do {
                return try ScalarRegex(text)
            } catch {
                throw .invalidPattern(file: file, field: regex.path, pattern: text, reason: error.message)
            }
        }
        throw invalid("expected {\"String\": …} or {\"Regex\": …}")
    }
}
