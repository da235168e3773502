/// What went wrong while a chat template was parsed or rendered, before the template file is
/// known to it: `ChatTemplate` turns it into a `TokenizerError` naming the file and the line.
struct TemplateFault: Error {
    enum Kind {
        /// The template is wrong, or failed while rendering as it would in jinja2.
        case error
        /// The template uses a construct the renderer does not implement; `message` names it.
        case unsupported
    }

    var kind: Kind
    var message: String
    /// The template line, set by the innermost statement the fault passes through.
    var line: Int?

    static func error(_ message: String, line: Int? = nil) -> TemplateFault {
        TemplateFault(kind: .error, message: message, line: line)
    }

    static func unsupported(_ construct: String, line: Int? = nil) -> TemplateFault {
        TemplateFault(kind: .unsupported, message: construct, line: line)
    }

    /// The same fault, placed at `line` unless an inner statement placed it already.
    func placed(at line: Int) -> TemplateFault {
        var fault = self
        if fault.line == nil { fault.line = line }
        return fault
    }

    /// The error a user sees, naming the template's file.
    func tokenizerError(file: String) -> TokenizerError {
        switch kind {
        case .error: return .chatTemplate(file: file, line: line ?? 1, reason: message)
        case .unsupported: return .unsupportedTemplateConstruct(file: file, line: line ?? 1, construct: message)
        }
    }
}
