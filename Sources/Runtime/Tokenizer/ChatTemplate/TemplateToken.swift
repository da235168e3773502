/// A piece of a template's source as `TemplateLexer` cuts it: text to copy to the output, the
/// delimiters of `{{ … }}` and `{% … %}`, and the tokens of the expressions between them.
struct TemplateToken: Equatable {
    enum Kind: Equatable {
        /// Template text, its whitespace already trimmed as the tags around it ask.
        case text(String)
        case variableBegin
        case variableEnd
        case blockBegin
        case blockEnd
        case name(String)
        /// A string literal, its escapes undone.
        case string(String)
        case integer(Int)
        case float(Double)
        /// An operator or a bracket: `+`, `//`, `==`, `(`, `|`, `.`, ...
        case symbol(String)
        case endOfTemplate
    }

    var kind: Kind
    /// The 1-based line of the template where the token starts.
    var line: Int

    /// How the token reads in an error message.
    var description: String {
        switch kind {
        case .text: return "template text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case let .name(name): return "'\(name)'"
        case .string: return "string"
        case let .integer(value): return "'\(value)'"
        case let .float(value): return "'\(value)'"
        case let .symbol(symbol): return "'\(symbol)'"
        case .endOfTemplate: return "end of template"
        }
    }
}
