import Checkpoint
import Foundation
import JSON

/// A model's Jinja chat template, parsed once, rendering conversations as transformers'
/// `apply_chat_template` does: jinja2's immutable sandbox with `trim_blocks`, `lstrip_blocks`
/// and the `loopcontrols` extension, transformers' `raise_exception`, `strftime_now` and `tojson`
/// (`json.dumps` without HTML escaping), and its variables: `messages`, `tools`, `documents`,
/// `add_generation_prompt`, the tokenizer's named special tokens (`bos_token`, `eos_token`, ...)
/// and any extra variables.
///
/// A template that does not parse, uses a construct this renderer does not implement, or fails
/// while rendering (its own `raise_exception` included) is a `TokenizerError` naming the template
/// file and line.
public struct ChatTemplate: Sendable {
    /// The template text and the file it came from.
    public let source: ChatTemplateSource
    /// The named special tokens every rendering sees, such as `bos_token`.
    public let specialTokens: [String: String]
    private let statements: [TemplateNode]

    /// Parses `source`.
    /// - Throws: `TokenizerError.chatTemplate` or `.unsupportedTemplateConstruct` naming the line.
    public init(_ source: ChatTemplateSource, specialTokens: [String: String] = [:]) throws(TokenizerError) {
        self.source = source
        self.specialTokens = specialTokens
        do {
            statements = try TemplateParser.parse(source.text)
        } catch {
            throw error.tokenizerError(file: source.file)
        }
    }

    /// The template of `tokenizer`'s model, with its named special tokens.
    /// - Throws: `TokenizerError.missingChatTemplate` naming the model folder when it has none.
    public init(tokenizer: Tokenizer) throws(TokenizerError) {
        guard let source = tokenizer.chatTemplate else { throw .missingChatTemplate(directory: tokenizer.directory ?? "the tokenizer") }
        try self.init(source, specialTokens: tokenizer.namedSpecialTokens)
    }

    /// The text of a conversation.
    /// - Parameters:
    ///   - messages: the messages, JSON objects as a data file holds them (`role`, `content`, and
    ///     whatever else the template reads: `tool_calls`, `reasoning_content`, ...).
    ///   - addGenerationPrompt: whether to end with the start of an assistant turn.
    ///   - tools, documents: JSON schemas of tools and documents, `None` to the template when nil.
    ///   - variables: more variables (`enable_thinking`, `reasoning_effort`, ...); they take
    ///     precedence over the special tokens.
    ///   - now, timeZone: the local time `strftime_now` formats.
    public func render(_ messages: [JSONValue], addGenerationPrompt: Bool, tools: [JSONValue]? = nil, documents: [JSONValue]? = nil,
                       variables: [String: JSONValue] = [:], now: Date = Date(), timeZone: TimeZone = .current) throws(TokenizerError) -> String {
        // Sized for all the variables at once, so that adding them does not grow the table.
        var context = [String: TemplateValue](minimumCapacity: specialTokens.count + variables.count + 4)
        for (name, text) in specialTokens { context[name] = .string(text) }
        for (name, value) in variables { context[name] = TemplateValue(json: value) }
        context["messages"] = .list(messages.map(TemplateValue.init(json:)))
        context["tools"] = tools.map { .list($0.map(TemplateValue.init(json:))) } ?? TemplateValue.none
        context["documents"] = documents.map { .list($0.map(TemplateValue.init(json:))) } ?? TemplateValue.none
        context["add_generation_prompt"] = .boolean(addGenerationPrompt)
        let renderer = TemplateRenderer(clock: TemplateClock(date: now, timeZone: timeZone))
        var output = ""
        do {
            _ = try renderer.execute(statements, in: TemplateScope(parent: TemplateScope(parent: nil, variables: context)), into: &output)
        } catch {
            throw error.tokenizerError(file: source.file)
        }
        return output
    }

    /// The text of messages that only have a role and a content.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String {
        try render(messages.map(\.json), addGenerationPrompt: addGenerationPrompt)
    }
}
