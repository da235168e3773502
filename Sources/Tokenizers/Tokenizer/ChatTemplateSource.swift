import Foundation

/// A model's Jinja chat template, as the model folder holds it, with the file it was read from.
public struct ChatTemplateSource: Sendable, Equatable {
    /// The template text.
    public let text: String
    /// chat_template.jinja or tokenizer_config.json.
    public let file: String

    public init(text: String, file: String) {
        self.text = text
        self.file = file
    }

    /// The template of the tokenizer whose tokenizer.json is `tokenizerFile`: chat_template.jinja
    /// beside it (where transformers 5 saves it, and which it prefers), else tokenizer_config.json's
    /// `chat_template`, a string or a list of `{name, template}` of which the one named `default`.
    static func find(besideTokenizer tokenizerFile: String, config: [String: Any]?, configFile: String) throws(TokenizerError) -> ChatTemplateSource? {
        let jinjaFile = ((tokenizerFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("chat_template.jinja")
        if FileManager.default.fileExists(atPath: jinjaFile) {
            let data = try Tokenizer.contents(of: jinjaFile)
            guard let text = String(validating: data, as: UTF8.self) else {
                throw .cannotRead(path: jinjaFile, reason: "not valid UTF-8")
            }
            return ChatTemplateSource(text: text, file: jinjaFile)
        }
        switch config?["chat_template"] {
        case nil, is NSNull:
            return nil
        case let text as String:
            return ChatTemplateSource(text: text, file: configFile)
        case let named as [[String: Any]]:
            guard let text = named.first(where: { $0["name"] as? String == "default" })?["template"] as? String else {
                throw .invalidField(file: configFile, field: "chat_template", reason: "no template named 'default'")
            }
            return ChatTemplateSource(text: text, file: configFile)
        default:
            throw .invalidField(file: configFile, field: "chat_template", reason: "expected a string or a list of named templates")
        }
    }
}
