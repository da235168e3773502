/// ChatML, the chat format of Qwen, SmolLM2 and many other models: each message is written
/// `<|im_start|>ROLE\nCONTENT<|im_end|>\n`, and the generation prompt is `<|im_start|>assistant\n`.
///
/// The runtime has no Jinja engine. A model's template is taken for ChatML when it writes both
/// `<|im_start|>` and `<|im_end|>`, and conversations are rendered as plain ChatML. The one part
/// of such a template that is read is a default system message: a string literal beginning
/// `<|im_start|>system` and a line break and holding the whole message up to `<|im_end|>`, which
/// SmolLM2's and Qwen2.5's templates put first when a conversation has no system message.
/// Anything else a template does (tools, reasoning blocks, checks on roles) is not reproduced.
public struct ChatMLTemplate: Sendable, Equatable {
    /// The token that opens a message.
    public static let startToken = "<|im_start|>"
    /// The token that closes a message.
    public static let endToken = "<|im_end|>"

    /// Put first when a conversation does not begin with a system message.
    public var defaultSystemMessage: String?

    /// Plain ChatML, with a default system message or none.
    public init(defaultSystemMessage: String? = nil) {
        self.defaultSystemMessage = defaultSystemMessage
    }

    /// Recognizes a model's template as ChatML and reads its default system message.
    /// - Throws: `RuntimeError.unsupportedChatTemplate` when the template is not ChatML.
    public init(modelTemplate: ChatTemplateSource) throws(RuntimeError) {
        let text = modelTemplate.text
        guard text.contains(Self.startToken), text.contains(Self.endToken) else {
            throw .unsupportedChatTemplate(file: modelTemplate.file)
        }
        defaultSystemMessage = Self.defaultSystemMessage(in: text)
    }

    /// The text of `messages`, followed by the generation prompt when `addGenerationPrompt` is set.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var text = ""
        if let defaultSystemMessage, messages.first?.role != "system" {
            text += Self.turn(ChatMessage(role: "system", content: defaultSystemMessage))
        }
        for message in messages { text += Self.turn(message) }
        if addGenerationPrompt { text += Self.startToken + "assistant\n" }
        return text
    }

    private static func turn(_ message: ChatMessage) -> String {
        startToken + message.role + "\n" + message.content + endToken + "\n"
    }

    /// The first literal system message in `template`: what follows `<|im_start|>system` and a
    /// line break (a real one or a `\n` escape) up to `<|im_end|>`, when it holds no quote that
    /// would close a string literal and no brace of a Jinja expression, with the escapes of a Jinja
    /// string undone.
    static func defaultSystemMessage(in template: String) -> String? {
        var rest = template[...]
        while let start = rest.range(of: startToken + "system") {
            rest = rest[start.upperBound...]
            let body: Substring
            if rest.hasPrefix("\n") {
                body = rest.dropFirst()
            } else if rest.hasPrefix("\\n") {
                body = rest.dropFirst(2)
            } else {
                continue
            }
            guard let end = body.range(of: endToken) else { return nil }
            if let message = unescapedLiteral(body[..<end.lowerBound]), !message.isEmpty { return message }
        }
        return nil
    }

    /// `literal` with `\n`, `\t`, `\'`, `\"` and `\\` undone, or nil when an unescaped quote ends the
    /// literal or a brace starts an expression.
    private static func unescapedLiteral(_ literal: Substring) -> String? {
        var result = ""
        var escaped = false
        for character in literal {
            if escaped {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "'" || character == "\"" || character == "{" || character == "}" {
                return nil
            } else {
                result.append(character)
            }
        }
        return escaped ? nil : result
    }
}
