/// Expressions, with jinja2's precedence from loosest to tightest: `a if b else c`, `or`, `and`,
/// `not`, comparisons (`==`, `in`, `not in`, ...), `+ -`, `~`, `* / // %`, `**`, unary `- +`,
/// then filters (`|`) and tests (`is`) on a primary with its attributes, items and calls.
extension TemplateParser {
    /// Expressions separated by commas make a tuple, as in `{{ a, b }}` or `{% set x = 1, 2 %}`.
    mutating func parseTuple(conditionals: Bool = true, endNames: Set<String> = [], parenthesized: Bool = false) throws(TemplateFault) -> TemplateExpression {
        var items: [TemplateExpression] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expect(symbol: ",") }
            if isTupleEnd(endNames) { break }
            items.append(conditionals ? try parseExpression() : try parseOr())
            if isSymbol(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            guard parenthesized else { throw failure("expected an expression") }
        }
        return .tuple(items)
    }

    private func isTupleEnd(_ endNames: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .symbol(")"): return true
        case let .name(name): return endNames.contains(name)
        default: return false
        }
    }

    mutating func parseExpression() throws(TemplateFault) -> TemplateExpression {
        try nested { (parser) throws(TemplateFault) in try parser.parseConditional() }
    }

    private mutating func parseConditional() throws(TemplateFault) -> TemplateExpression {
        var value = try parseOr()
        while skip(name: "if") {
            let test = try parseOr()
            let otherwise = skip(name: "else") ? try parseExpression() : nil
            value = .conditional(value: value, test: test, otherwise: otherwise)
        }
        return value
    }

    private mutating func parseOr() throws(TemplateFault) -> TemplateExpression {
        try parseChain(of: "or", operand: { (parser) throws(TemplateFault) in try parser.parseAnd() }, TemplateExpression.or)
    }

    private mutating func parseAnd() throws(TemplateFault) -> TemplateExpression {
        try parseChain(of: "and", operand: { (parser) throws(TemplateFault) in try parser.parseNot() }, TemplateExpression.and)
    }

    /// `operand keyword operand keyword ...`, grouped from the left, each link a level deeper.
    private mutating func parseChain(of keyword: String, operand: (inout TemplateParser) throws(TemplateFault) -> TemplateExpression,
                                     _ link: (TemplateExpression, TemplateExpression) -> TemplateExpression) throws(TemplateFault) -> TemplateExpression {
        var left = try operand(&self)
        var links = 0
        defer { rise(links) }
        while skip(name: keyword) {
            try deepen(counting: &links)
            left = link(left, try operand(&self))
        }
        return left
    }

    private mutating func parseNot() throws(TemplateFault) -> TemplateExpression {
        if skip(name: "not") { return .not(try nested { (parser) throws(TemplateFault) in try parser.parseNot() }) }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(TemplateFault) -> TemplateExpression {
        let first = try parseSum()
        var operations: [(TemplateComparison, TemplateExpression)] = []
        while true {
            if case let .symbol(symbol) = current.kind, let comparison = TemplateComparison(rawValue: symbol), comparison != .in {
                advance()
                operations.append((comparison, try parseSum()))
            } else if skip(name: "in") {
                operations.append((.in, try parseSum()))
            } else if isName("not"), next.kind == .name("in") {
                advance()
                advance()
                operations.append((.notIn, try parseSum()))
            } else {
                break
            }
        }
        return operations.isEmpty ? first : .comparison(first, operations)
    }

    private mutating func parseSum() throws(TemplateFault) -> TemplateExpression {
        var left = try parseConcatenation()
        var links = 0
        defer { rise(links) }
        while true {
            if isSymbol("+") || isSymbol("-") {
                try deepen(counting: &links)
            }
            if skip(symbol: "+") {
                left = .arithmetic(.add, left, try parseConcatenation())
            } else if skip(symbol: "-") {
                left = .arithmetic(.subtract, left, try parseConcatenation())
            } else {
                return left
            }
        }
    }

    private mutating func parseConcatenation() throws(TemplateFault) -> TemplateExpression {
        var parts = [try parseProduct()]
        while skip(symbol: "~") { parts.append(try parseProduct()) }
        return parts.count == 1 ? parts[0] : .concatenation(parts)
    }

    private mutating func parseProduct() throws(TemplateFault) -> TemplateExpression {
        var left = try parsePower()
        var links = 0
        defer { rise(links) }
        while case let .symbol(symbol) = current.kind, let operation = TemplateArithmetic(rawValue: symbol),
              [.multiply, .divide, .floorDivide, .modulo].contains(operation) {
            try deepen(counting: &links)
            advance()
            left = .arithmetic(operation, left, try parsePower())
        }
        return left
    }

    private mutating func parsePower() throws(TemplateFault) -> TemplateExpression {
        var left = try parseUnary(withFilters: true)
        var links = 0
        defer { rise(links) }
        while skip(symbol: "**") {
            try deepen(counting: &links)
            left = .arithmetic(.power, left, try parseUnary(withFilters: true))
        }
        return left
    }

    private mutating func parseUnary(withFilters: Bool) throws(TemplateFault) -> TemplateExpression {
        var node: TemplateExpression
        if skip(symbol: "-") {
            node = .negative(try nested { (parser) throws(TemplateFault) in try parser.parseUnary(withFilters: false) })
        } else if skip(symbol: "+") {
            node = .positive(try nested { (parser) throws(TemplateFault) in try parser.parseUnary(withFilters: false) })
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        return withFilters ? try parseFiltersAndTests(node) : node
    }

    private mutating func parsePrimary() throws(TemplateFault) -> TemplateExpression {
        let token = current
        switch token.kind {
        case let .name(name):
            advance()
            switch name {
            case "true", "True": return .constant(.boolean(true))
            case "false", "False": return .constant(.boolean(false))
            case "none", "None": return .constant(.none)
            default: return .name(name)
            }
        case .string:
            var text = ""
            while case let .string(part) = current.kind {
                text += part
                advance()
            }
            return .constant(.string(text))
        case let .integer(value):
            advance()
            return .constant(.integer(value))
        case let .float(value):
            advance()
            return .constant(.float(value))
        case .symbol("("):
            advance()
            let inner = try parseTuple(parenthesized: true)
            try expect(symbol: ")")
            return inner
        case .symbol("["):
            advance()
            var items: [TemplateExpression] = []
            while !skip(symbol: "]") {
                if !items.isEmpty { try expect(symbol: ",") }
                if skip(symbol: "]") { break }
                items.append(try parseExpression())
            }
            return .list(items)
        case .symbol("{"):
            advance()
            var members: [(key: TemplateExpression, value: TemplateExpression)] = []
            while !skip(symbol: "}") {
                if !members.isEmpty { try expect(symbol: ",") }
                if skip(symbol: "}") { break }
                let key = try parseExpression()
                try expect(symbol: ":")
                members.append((key, try parseExpression()))
            }
            return .dictionary(members)
        default:
            throw failure("unexpected token in an expression")
        }
    }

    /// Attributes (`.name`, `.0`), items and slices (`[...]`) and calls (`(...)`).
    private mutating func parsePostfix(_ node: TemplateExpression) throws(TemplateFault) -> TemplateExpression {
        var node = node
        var links = 0
        defer { rise(links) }
        while true {
            if isSymbol(".") || isSymbol("[") || isSymbol("(") {
                try deepen(counting: &links)
            }
            if skip(symbol: ".") {
                switch current.kind {
                case let .name(name):
                    advance()
                    node = .attribute(node, name)
                case let .integer(value):
                    advance()
                    node = .item(node, .constant(.integer(value)))
                default:
                    throw failure("expected name or number")
                }
            } else if skip(symbol: "[") {
                var subscripts: [TemplateExpression] = []
                while !skip(symbol: "]") {
                    if !subscripts.isEmpty { try expect(symbol: ",") }
                    subscripts.append(try parseSubscript(of: node))
                }
                guard subscripts.count == 1, let only = subscripts.first else { throw .unsupported("a subscript other than one index, key or slice", line: current.line) }
                if case .slice = only {
                    node = only
                } else {
                    node = .item(node, only)
                }
            } else if isSymbol("(") {
                node = .call(node, try parseCallArguments())
            } else {
                return node
            }
        }
    }

    /// An index, a key or a slice `start:stop:step` (each part optional).
    private mutating func parseSubscript(of node: TemplateExpression) throws(TemplateFault) -> TemplateExpression {
        var start: TemplateExpression?
        if !isSymbol(":") {
            let expression = try parseExpression()
            guard isSymbol(":") else { return expression }
            start = expression
        }
        advance()
        let isPartEnd = { (parser: TemplateParser) in parser.isSymbol("]") || parser.isSymbol(",") || parser.isSymbol(":") }
        let stop = isPartEnd(self) ? nil : try parseExpression()
        var step: TemplateExpression?
        if skip(symbol: ":"), !isSymbol("]"), !isSymbol(",") { step = try parseExpression() }
        return .slice(node, start: start, stop: stop, step: step)
    }

    /// `(positional, name=value)`; `*args` and `**kwargs` are not supported.
    mutating func parseCallArguments() throws(TemplateFault) -> TemplateArguments {
        try expect(symbol: "(")
        var arguments = TemplateArguments()
        while !skip(symbol: ")") {
            if !arguments.positional.isEmpty || !arguments.keyword.isEmpty { try expect(symbol: ",") }
            if skip(symbol: ")") { break }
            if isSymbol("*") || isSymbol("**") { throw .unsupported("'*' and '**' arguments", line: current.line) }
            if case let .name(name) = current.kind, next.kind == .symbol("=") {
                advance()
                advance()
                arguments.keyword.append((name, try parseExpression()))
            } else {
                guard arguments.keyword.isEmpty else { throw failure("positional argument after keyword argument") }
                arguments.positional.append(try parseExpression())
            }
        }
        return arguments
    }

    private mutating func parseFiltersAndTests(_ node: TemplateExpression) throws(TemplateFault) -> TemplateExpression {
        var node = node
        var links = 0
        defer { rise(links) }
        while true {
            if isSymbol("|") || isName("is") || isSymbol("(") {
                try deepen(counting: &links)
            }
            if isSymbol("|") {
                for (name, arguments) in try parseFilterChain(single: true) { node = .filter(node, name: name, arguments) }
            } else if skip(name: "is") {
                let negated = skip(name: "not")
                let name = try parseDottedName()
                var arguments = TemplateArguments.none
                if isSymbol("(") {
                    arguments = try parseCallArguments()
                } else if startsTestArgument {
                    if isName("is") { throw failure("you cannot chain multiple tests with is") }
                    arguments.positional = [try parsePostfix(try parsePrimary())]
                }
                node = .test(node, name: name, arguments)
                if negated { node = .not(node) }
            } else if isSymbol("(") {
                node = .call(node, try parseCallArguments())
            } else {
                return node
            }
        }
    }

    /// Whether the token after a test's name is its one argument written without parentheses
    /// (`is divisibleby 3`, `is sameas false`).
    private var startsTestArgument: Bool {
        switch current.kind {
        case let .name(name): return !["else", "or", "and"].contains(name)
        case .string, .integer, .float, .symbol("["), .symbol("{"): return true
        default: return false
        }
    }

    /// `| name(arguments)` filters: one (`single`), or all that follow, as in `{% filter %}`
    /// and `{% set x | filter %}`.
    mutating func parseFilterChain(single: Bool = false) throws(TemplateFault) -> [(name: String, arguments: TemplateArguments)] {
        var filters: [(name: String, arguments: TemplateArguments)] = []
        repeat {
            if !filters.isEmpty || isSymbol("|") { try expect(symbol: "|") }
            let name = try parseDottedName()
            filters.append((name, isSymbol("(") ? try parseCallArguments() : .none))
        } while !single && isSymbol("|")
        return filters
    }

    private mutating func parseDottedName() throws(TemplateFault) -> String {
        var name = try expectName()
        while skip(symbol: ".") { name += "." + (try expectName()) }
        return name
    }
}
