import Foundation
import LLMCompressor

/// The `--json` output of every command, laid out by one rule: snake_case keys, and a
/// `schema_version` that is raised only when a key changes meaning or disappears.
enum JSONOutput {
    static let schemaVersion = 1

    /// `value` as pretty JSON, keys converted to snake_case and sorted, with `schema_version`.
    static func text<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: (try? encoder.encode(Versioned(value: value))) ?? Data(), as: UTF8.self)
    }

    /// A document built as a JSON object (its keys already snake_case), with `schema_version` first.
    static func text(_ document: JSONValue) -> String {
        guard case let .object(object) = document else { return JSONWriter.pretty(document) }
        let key = VersionKey.schemaVersion.rawValue
        let members = object.members.filter { $0.key != key }.map { ($0.key, $0.value) }
        return JSONWriter.pretty(.object(JSONObject([(key, .integer(Int64(schemaVersion)))] + members)))
    }

    private enum VersionKey: String, CodingKey {
        case schemaVersion = "schema_version"
    }

    /// `value`'s members with `schema_version` beside them.
    private struct Versioned<T: Encodable>: Encodable {
        let value: T

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: VersionKey.self)
            try container.encode(JSONOutput.schemaVersion, forKey: .schemaVersion)
            try value.encode(to: encoder)
        }
    }
}
