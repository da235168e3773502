import Checkpoint
import JSON

/// One record of a JSON Lines calibration file: an object with an `input_ids` list of token ids
/// (a sample already tokenized), a `text` string, or a `messages` list of objects with `role` and
/// `content` strings. `input_ids` wins over the others, as llm-compressor takes a dataset with an
/// `input_ids` column as already tokenized; `text` wins over `messages`, as llm-compressor's
/// tokenizer takes `text` and drops other columns. The messages keep their other members
/// (`tool_calls`, `reasoning_content`, ...) for the chat template.
enum CalibrationRecord {
    case tokens([Int])
    case text(String)
    case messages([JSONValue])

    /// The roles chat templates know; any other is taken for a mistake in the data (ShareGPT's
    /// `human` or `gpt`, a typo) rather than passed to a template that would render it as it is.
    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "ipython", "function", "observation"]

    /// The record held by `bytes`, line `line` of `file`; nil for a blank line (white space only),
    /// which is no record, as in Hugging Face datasets' JSON loader.
    /// - Throws: for invalid UTF-8 or JSON, a record without a usable field, an empty `text`,
    ///   `messages` or `input_ids` (a sample of no token), an unknown role, an id outside
    ///   `0..<vocabularySize`.
    static func parse(_ bytes: UnsafeRawBufferPointer, file: String, line: Int, vocabularySize: Int) throws(TokenizerError) -> CalibrationRecord? {
        func failure(_ reason: String) -> TokenizerError { .calibrationData(file: file, line: line, reason: reason) }

        if bytes.isBlankLine { return nil }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw failure("invalid UTF-8") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw failure(error.description)
        }
        guard let record = value.objectValue else { throw failure("expected a JSON object, got \(value.kindName)") }
        if let ids = record["input_ids"] {
            guard let items = ids.arrayValue else { throw failure("'input_ids' is \(ids.kindName), expected a list of token ids") }
            guard !items.isEmpty else { throw failure("'input_ids' is empty: a sample needs at least one token") }
            return .tokens(try items.enumerated().map { (index, item) throws(TokenizerError) -> Int in
                guard let id = item.integerValue.map(Int.init), id >= 0, id < vocabularySize else {
                    throw failure("'input_ids[\(index)]' is \(item.integerValue.map(String.init) ?? item.kindName), expected a token id below the vocabulary size \(vocabularySize)")
                }
                return id
            })
        }
        if let text = record["text"] {
            guard let string = text.stringValue else { throw failure("'text' is \(text.kindName), expected a string") }
            guard !string.isEmpty else { throw failure("'text' is empty: the sample would have no tokens") }
            return .text(string)
        }
        guard let messages = record["messages"] else {
            throw failure("the record has none of 'input_ids', 'text' and 'messages'")
        }
        guard let items = messages.arrayValue else { throw failure("'messages' is \(messages.kindName), expected a list") }
        guard !items.isEmpty else { throw failure("'messages' is empty: the sample would have no tokens") }
        for (index, item) in items.enumerated() {
            guard let role = item["role"]?.stringValue, item["content"]?.stringValue != nil else {
                throw failure("'messages[\(index)]' must be an object with 'role' and 'content' strings")
            }
            guard roles.contains(role) else {
                throw failure("'messages[\(index)]' has the unknown role '\(role)' (expected one of \(roles.sorted().joined(separator: ", ")))")
            }
        }
        return .messages(items)
    }
}

extension UnsafeRawBufferPointer {
    /// Whether the bytes are all ASCII white space (a blank line, its line break aside).
    var isBlankLine: Bool { allSatisfy { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) } }
}
