import Checkpoint
import JSON

/// One record of a JSON Lines calibration file: an object with a `text` string, or a `messages`
/// list of objects with `role` and `content` strings (`text` wins when both are present, as in
/// llm-compressor, whose tokenizer takes `text` and drops other columns). The messages keep their
/// other members (`tool_calls`, `reasoning_content`, ...) for the chat template.
enum CalibrationRecord {
    case text(String)
    case messages([JSONValue])

    /// The record held by `bytes`, line `line` of `file`; nil for a blank line, an empty `text`
    /// or an empty `messages` list.
    static func parse(_ bytes: UnsafeRawBufferPointer, file: String, line: Int) throws(RuntimeError) -> CalibrationRecord? {
        func failure(_ reason: String) -> RuntimeError { .calibrationData(file: file, line: line, reason: reason) }

        if bytes.allSatisfy({ $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }) { return nil }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw failure("invalid UTF-8") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw failure(error.description)
        }
        guard let record = value.objectValue else { throw failure("expected a JSON object, got \(value.kindName)") }
        if let text = record["text"] {
            guard let string = text.stringValue else { throw failure("'text' is \(text.kindName), expected a string") }
            return string.isEmpty ? nil : .text(string)
        }
        guard let messages = record["messages"] else {
            throw failure("the record has neither a 'text' string nor a 'messages' list")
        }
        guard let items = messages.arrayValue else { throw failure("'messages' is \(messages.kindName), expected a list") }
        for (index, item) in items.enumerated() where item["role"]?.stringValue == nil || item["content"]?.stringValue == nil {
            throw failure("'messages[\(index)]' must be an object with 'role' and 'content' strings")
        }
        return items.isEmpty ? nil : .messages(items)
    }
}
