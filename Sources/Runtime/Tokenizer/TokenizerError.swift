/// Everything that can be wrong with a tokenizer.json (or the tokenizer_config.json beside it).
/// Each case names the file and, where it applies, the JSON path of the offending member, so that
/// one line tells a user what to fix.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// The file or folder could not be read.
    case cannotRead(path: String, reason: String)
    /// The text is not valid JSON.
    case invalidJSON(file: String, reason: String)
    /// A required member is absent.
    case missingField(file: String, field: String)
    /// A member is present but has the wrong kind or an impossible value.
    case invalidField(file: String, field: String, reason: String)
    /// A component (`model`, `normalizer`, `pre_tokenizer`, `post_processor`, `decoder`) has a
    /// type this implementation does not provide.
    case unsupportedType(file: String, field: String, type: String)
    /// A merge rule names tokens that are not in the vocabulary, or is not a pair.
    case invalidMerge(file: String, index: Int, reason: String)
    /// A regular expression in the file does not compile.
    case invalidPattern(file: String, field: String, pattern: String, reason: String)
    /// A chat template that does not parse, or that fails while rendering (its own
    /// `raise_exception` included); `line` is the line of the template text.
    case chatTemplate(file: String, line: Int, reason: String)
    /// A chat template using a Jinja construct the renderer does not implement.
    case unsupportedTemplateConstruct(file: String, line: Int, construct: String)
    /// A model folder without a chat template, where a conversation has to be rendered.
    case missingChatTemplate(directory: String)

    public var description: String {
        switch self {
        case let .cannotRead(p, r): return "\(p): cannot read: \(r)"
        case let .invalidJSON(f, r): return "\(f): \(r)"
        case let .missingField(f, field): return "\(f): missing '\(field)'"
        case let .invalidField(f, field, r): return "\(f): '\(field)': \(r)"
        case let .unsupportedType(f, field, t): return "\(f): '\(field)': unsupported type '\(t)'"
        case let .invalidMerge(f, i, r): return "\(f): merge \(i): \(r)"
        case let .invalidPattern(f, field, p, r): return "\(f): '\(field)': pattern \(p.debugDescription): \(r)"
        case let .chatTemplate(f, line, r): return "\(f): chat template line \(line): \(r)"
        case let .unsupportedTemplateConstruct(f, line, c): return "\(f): chat template line \(line): \(c) is not supported"
        case let .missingChatTemplate(d): return "\(d): no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json)"
        }
    }
}
