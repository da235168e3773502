/// Parses a template's tokens into statements, as jinja2's parser does for the tags transformers'
/// environment knows: `if`, `for` (with `else` and a filter), `set` (also as a block),
/// `macro`, `call`, `filter`, `with`, `break`, `continue` (the `loopcontrols` extension) and
/// transformers' own `generation`. Other jinja2 tags (`include`, `extends`, `block`, `import`, ...)
/// are unsupported constructs; unknown tags are errors, as in jinja2.
struct TemplateParser {
    var tokens: [TemplateToken]
    var index = 0
    /// How many `for` bodies the statement being parsed is in, for `break` and `continue`.
    private var loopDepth = 0
    /// How deep statements and expressions nest where the parser stands.
    private var nesting = 0
    /// How deep statements, expressions and chains of operators, filters, attributes and items
    /// may nest, which bounds the renderer's recursion: jinja2 reaches Python's recursion limit
    /// at about 70 nested parentheses.
    private static let maximumNesting = 300

    /// The statements of `source`.
    static func parse(_ source: String) throws(TemplateFault) -> [TemplateNode] {
        var parser = TemplateParser(tokens: try TemplateLexer.tokenize(source))
        let (body, _) = try parser.parseBody(until: [])
        return body
    }

    init(tokens: [TemplateToken]) {
        self.tokens = tokens
    }

    // MARK: Token stream

    var current: TemplateToken { tokens[index] }

    /// The token after the current one.
    var next: TemplateToken { tokens[min(index + 1, tokens.count - 1)] }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    func isName(_ name: String) -> Bool { current.kind == .name(name) }

    /// Consumes the current token when it is `symbol`.
    mutating func skip(symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        advance()
        return true
    }

    /// Consumes the current token when it is the name `name`.
    mutating func skip(name: String) -> Bool {
        guard isName(name) else { return false }
        advance()
        return true
    }

    mutating func expect(symbol: String) throws(TemplateFault) {
        guard skip(symbol: symbol) else { throw failure("expected '\(symbol)'") }
    }

    mutating func expect(_ kind: TemplateToken.Kind, _ what: String) throws(TemplateFault) {
        guard current.kind == kind else { throw failure("expected \(what)") }
        advance()
    }

    mutating func expectName() throws(TemplateFault) -> String {
        guard case let .name(name) = current.kind else { throw failure("expected a name") }
        advance()
        return name
    }

    func failure(_ expectation: String) -> TemplateFault {
        .error("\(expectation), got \(current.description)", line: current.line)
    }

    // MARK: Statements

    /// Statements up to a block tag named in `endTags` (returned, with the stream at the token
    /// after its name), or to the end of the template when `endTags` is empty.
    private mutating func parseBody(until endTags: Set<String>) throws(TemplateFault) -> ([TemplateNode], String?) {
        var nodes: [TemplateNode] = []
        while true {
            let token = current
            switch token.kind {
            case let .text(text):
                nodes.append(TemplateNode(statement: .text(text), line: token.line))
                advance()
            case .variableBegin:
                advance()
                let expression = try parseTuple()
                try expect(.variableEnd, "end of print statement")
                nodes.append(TemplateNode(statement: .output(expression), line: token.line))
            case .blockBegin:
                advance()
                if case let .name(name) = current.kind, endTags.contains(name) {
                    advance()
                    return (nodes, name)
                }
                nodes.append(TemplateNode(statement: try parseStatement(), line: token.line))
            case .endOfTemplate:
                guard endTags.isEmpty else {
                    throw .error("unexpected end of template, expected \(endTags.sorted().map { "'\($0)'" }.joined(separator: " or "))", line: token.line)
                }
                return (nodes, nil)
            default:
                throw failure("unexpected token")
            }
        }
    }

    /// A body ending at `{% endTag %}`.
    private mutating func parseBlock(endingWith endTag: String) throws(TemplateFault) -> [TemplateNode] {
        let (body, _) = try parseBody(until: [endTag])
        try expect(.blockEnd, "end of statement block")
        return body
    }

    private static let unsupportedTags: Set = ["include", "import", "from", "extends", "block", "autoescape", "trans", "pluralize", "debug"]

    /// Runs `parse` one level deeper.
    mutating func nested<Result>(_ parse: (inout TemplateParser) throws(TemplateFault) -> Result) throws(TemplateFault) -> Result {
        try deepen()
        defer { nesting -= 1 }
        return try parse(&self)
    }

    /// Goes one level deeper (the caller comes back up), refusing templates nested beyond `maximumNesting`.
    mutating func deepen() throws(TemplateFault) {
        guard nesting < Self.maximumNesting else { throw .error("the template nests more than \(Self.maximumNesting) levels deep", line: current.line) }
        nesting += 1
    }

    /// Goes one level deeper for one more link of a chain, counted in `links` to come back up.
    mutating func deepen(counting links: inout Int) throws(TemplateFault) {
        try deepen()
        links += 1
    }

    /// Comes back up `levels` levels.
    mutating func rise(_ levels: Int) {
        nesting -= levels
    }

    /// The statement of the block tag whose name is the current token.
    private mutating func parseStatement() throws(TemplateFault) -> TemplateStatement {
        try nested { (parser) throws(TemplateFault) in try parser.parseTaggedStatement() }
    }

    private mutating func parseTaggedStatement() throws(TemplateFault) -> TemplateStatement {
        let tag = current
        guard case let .name(name) = tag.kind else { throw failure("expected a tag name") }
        advance()
        switch name {
        case "if": return try parseIf()
        case "for": return try parseFor()
        case "set": return try parseSet()
        case "macro": return try parseMacro()
        case "call": return try parseCallBlock()
        case "filter":
            let filters = try parseFilterChain()
            try expect(.blockEnd, "end of statement block")
            return .filterBlock(filters: filters, body: try parseBlock(endingWith: "endfilter"))
        case "with": return try parseWith()
        case "generation":
            try expect(.blockEnd, "end of statement block")
            return .scope(assignments: [], body: try parseBlock(endingWith: "endgeneration"))
        case "break", "continue":
            guard loopDepth > 0 else { throw .error("'\(name)' outside loop", line: tag.line) }
            try expect(.blockEnd, "end of statement block")
            return name == "break" ? .breakLoop : .continueLoop
        default:
            if Self.unsupportedTags.contains(name) { throw .unsupported("the '\(name)' tag", line: tag.line) }
            throw .error("encountered unknown tag '\(name)'", line: tag.line)
        }
    }

    private mutating func parseIf() throws(TemplateFault) -> TemplateStatement {
        var branches: [(test: TemplateExpression, body: [TemplateNode])] = []
        var test = try parseTuple(conditionals: false)
        while true {
            try expect(.blockEnd, "end of statement block")
            let (body, end) = try parseBody(until: ["elif", "else", "endif"])
            branches.append((test, body))
            switch end {
            case "elif":
                test = try parseTuple(conditionals: false)
            case "else":
                try expect(.blockEnd, "end of statement block")
                return .conditional(branches, otherwise: try parseBlock(endingWith: "endif"))
            default:
                try expect(.blockEnd, "end of statement block")
                return .conditional(branches, otherwise: [])
            }
        }
    }

    private mutating func parseFor() throws(TemplateFault) -> TemplateStatement {
        let target = try parseAssignmentTarget(endNames: ["in"])
        guard skip(name: "in") else { throw failure("expected 'in'") }
        let iterable = try parseTuple(conditionals: false, endNames: ["recursive"])
        let filter = skip(name: "if") ? try parseExpression() : nil
        if isName("recursive") { throw .unsupported("a recursive loop", line: current.line) }
        try expect(.blockEnd, "end of statement block")
        loopDepth += 1
        let (body, end) = try parseBody(until: ["endfor", "else"])
        loopDepth -= 1
        try expect(.blockEnd, "end of statement block")
        let otherwise = end == "else" ? try parseBlock(endingWith: "endfor") : []
        return .loop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise)
    }

    private mutating func parseSet() throws(TemplateFault) -> TemplateStatement {
        let target: TemplateTarget
        if case let .name(name) = current.kind, next.kind == .symbol(".") {
            advance()
            advance()
            target = .namespaceAttribute(name, try expectName())
        } else {
            target = try parseAssignmentTarget(endNames: [])
        }
        if skip(symbol: "=") {
            let value = try parseTuple()
            try expect(.blockEnd, "end of statement block")
            return .assignment(target, value)
        }
        let filters = isSymbol("|") ? try parseFilterChain() : []
        try expect(.blockEnd, "end of statement block")
        return .blockAssignment(target, filters: filters, body: try parseBlock(endingWith: "endset"))
    }

    /// A name, or names separated by commas, possibly in parentheses.
    private mutating func parseAssignmentTarget(endNames: Set<String>) throws(TemplateFault) -> TemplateTarget {
        func single(_ parser: inout TemplateParser) throws(TemplateFault) -> TemplateTarget {
            if parser.skip(symbol: "(") {
                let inner = try parser.nested { (parser) throws(TemplateFault) in try parser.parseAssignmentTarget(endNames: []) }
                try parser.expect(symbol: ")")
                return inner
            }
            return .name(try parser.expectName())
        }
        var targets = [try single(&self)]
        var isTuple = false
        while skip(symbol: ",") {
            isTuple = true
            if case let .name(name) = current.kind, endNames.contains(name) { break }
            if isSymbol(")") || current.kind == .blockEnd { break }
            targets.append(try single(&self))
        }
        return isTuple ? .tuple(targets) : targets[0]
    }

    private mutating func parseMacro() throws(TemplateFault) -> TemplateStatement {
        let name = try expectName()
        let parameters = try parseParameters()
        try expect(.blockEnd, "end of statement block")
        let body = try parseMacroBody(endingWith: "endmacro")
        return .macro(Self.macro(name: name, parameters: parameters, body: body))
    }

    private mutating func parseCallBlock() throws(TemplateFault) -> TemplateStatement {
        let parameters = isSymbol("(") ? try parseParameters() : []
        let line = current.line
        let call = try parseExpression()
        guard case .call = call else { throw .error("expected call", line: line) }
        try expect(.blockEnd, "end of statement block")
        let body = try parseMacroBody(endingWith: "endcall")
        return .callBlock(call, caller: Self.macro(name: "caller", parameters: parameters, body: body))
    }

    /// A macro's body, where `break` and `continue` do not reach an enclosing loop.
    private mutating func parseMacroBody(endingWith endTag: String) throws(TemplateFault) -> [TemplateNode] {
        let depth = loopDepth
        loopDepth = 0
        defer { loopDepth = depth }
        return try parseBlock(endingWith: endTag)
    }

    private static func macro(name: String, parameters: [(name: String, defaultValue: TemplateExpression?)], body: [TemplateNode]) -> TemplateMacroDefinition {
        let names = TemplateNames.referenced(in: body)
        return TemplateMacroDefinition(name: name, parameters: parameters, body: body,
                                       takesVarargs: names.contains("varargs"), takesKeywordArguments: names.contains("kwargs"),
                                       takesCaller: names.contains("caller"))
    }

    /// `(a, b=default, ...)`.
    private mutating func parseParameters() throws(TemplateFault) -> [(name: String, defaultValue: TemplateExpression?)] {
        try expect(symbol: "(")
        var parameters: [(name: String, defaultValue: TemplateExpression?)] = []
        while !skip(symbol: ")") {
            if !parameters.isEmpty { try expect(symbol: ",") }
            if skip(symbol: ")") { break }
            let name = try expectName()
            let defaultValue = skip(symbol: "=") ? try parseExpression() : nil
            if defaultValue == nil, parameters.last?.defaultValue != nil {
                throw .error("non-default argument follows default argument", line: current.line)
            }
            parameters.append((name, defaultValue))
        }
        return parameters
    }

    private mutating func parseWith() throws(TemplateFault) -> TemplateStatement {
        var assignments: [(TemplateTarget, TemplateExpression)] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expect(symbol: ",") }
            let target = try parseAssignmentTarget(endNames: [])
            try expect(symbol: "=")
            assignments.append((target, try parseExpression()))
        }
        try expect(.blockEnd, "end of statement block")
        return .scope(assignments: assignments, body: try parseBlock(endingWith: "endwith"))
    }
}
