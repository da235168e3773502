/// Runs a parsed template's statements with jinja2's scoping: `set` writes the innermost scope
/// (the template's top level, one iteration of a `for`, one call of a macro, a `with` body), so
/// nothing set in a loop is seen after it but through a `namespace()`; `if` opens no scope.
struct TemplateRenderer {
    /// The time `strftime_now` formats.
    let clock: TemplateClock

    /// How a body ended: at its end, or at a `break` or `continue` its loop has to act on.
    enum Flow {
        case normal
        case breakLoop
        case continueLoop
    }

    func execute(_ nodes: [TemplateNode], in scope: TemplateScope, into output: inout String) throws(TemplateFault) -> Flow {
        for node in nodes {
            let flow: Flow
            do {
                flow = try execute(node.statement, in: scope, into: &output)
            } catch {
                throw error.placed(at: node.line)
            }
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ statement: TemplateStatement, in scope: TemplateScope, into output: inout String) throws(TemplateFault) -> Flow {
        switch statement {
        case let .text(text):
            output += text
        case let .output(.arithmetic(.add, left, right)):
            let sum = try sum(left, right, in: scope)
            if let value = sum.value {
                output += try value.text()
            } else {
                for string in sum.strings { output += string }
            }
        case let .output(expression):
            output += try evaluate(expression, in: scope).text()
        case let .conditional(branches, otherwise):
            for branch in branches {
                if try evaluate(branch.test, in: scope).isTruthy { return try execute(branch.body, in: scope, into: &output) }
            }
            return try execute(otherwise, in: scope, into: &output)
        case let .loop(target, iterable, filter, body, otherwise):
            try runLoop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise, in: scope, into: &output)
        case let .assignment(target, value):
            try assign(try evaluate(value, in: scope), to: target, in: scope)
        case let .blockAssignment(target, filters, body):
            try assign(try renderFiltered(body, filters: filters, in: scope), to: target, in: scope)
        case let .macro(definition):
            scope.assign(definition.name, .macro(TemplateMacro(definition, closure: scope)))
        case let .callBlock(call, caller):
            guard case let .call(callee, arguments) = call else { throw .error("expected call") }
            output += try self.call(callee, arguments, caller: TemplateMacro(caller, closure: scope), in: scope).text()
        case let .filterBlock(filters, body):
            output += try renderFiltered(body, filters: filters, in: scope).text()
        case let .scope(assignments, body):
            let inner = TemplateScope(parent: scope)
            var values: [TemplateValue] = []
            for (_, value) in assignments { values.append(try evaluate(value, in: scope)) }
            for ((target, _), value) in zip(assignments, values) { try assign(value, to: target, in: inner) }
            return try execute(body, in: inner, into: &output)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    /// A `for`: the iterable's items (those the filter keeps), each in a scope of its own with
    /// `loop`; the `else` body when there is none.
    private func runLoop(target: TemplateTarget, iterable: TemplateExpression, filter: TemplateExpression?, body: [TemplateNode],
                         otherwise: [TemplateNode], in scope: TemplateScope, into output: inout String) throws(TemplateFault) {
        var items = try evaluate(iterable, in: scope).iterated()
        if let filter {
            var kept: [TemplateValue] = []
            for item in items {
                let itemScope = TemplateScope(parent: scope)
                try assign(item, to: target, in: itemScope)
                if try evaluate(filter, in: itemScope).isTruthy { kept.append(item) }
            }
            items = kept
        }
        guard !items.isEmpty else {
            _ = try execute(otherwise, in: TemplateScope(parent: scope), into: &output)
            return
        }
        let loop = TemplateLoop(items: items)
        for (position, item) in items.enumerated() {
            loop.index0 = position
            // Room for `loop` and a target or two, so that assigning them does not grow the table.
            var variables = [String: TemplateValue](minimumCapacity: 4)
            variables["loop"] = .loop(loop)
            let iterationScope = TemplateScope(parent: scope, variables: variables)
            try assign(item, to: target, in: iterationScope)
            if try execute(body, in: iterationScope, into: &output) == .breakLoop { break }
        }
    }

    /// A body rendered in a scope of its own, as a string through `filters`.
    private func renderFiltered(_ body: [TemplateNode], filters: [(name: String, arguments: TemplateArguments)], in scope: TemplateScope) throws(TemplateFault) -> TemplateValue {
        var text = ""
        _ = try execute(body, in: TemplateScope(parent: scope), into: &text)
        var value = TemplateValue.string(text)
        for filter in filters {
            value = try applyFilter(filter.name, to: value, try evaluate(filter.arguments, in: scope))
        }
        return value
    }

    private func assign(_ value: TemplateValue, to target: TemplateTarget, in scope: TemplateScope) throws(TemplateFault) {
        switch target {
        case let .name(name):
            scope.assign(name, value)
        case let .tuple(targets):
            let items = try value.iterated()
            guard items.count == targets.count else {
                throw .error(items.count > targets.count ? "too many values to unpack (expected \(targets.count))"
                                                         : "not enough values to unpack (expected \(targets.count), got \(items.count))")
            }
            for (item, inner) in zip(items, targets) { try assign(item, to: inner, in: scope) }
        case let .namespaceAttribute(name, attribute):
            guard case let .namespace(namespace)? = scope.lookup(name) else { throw .error("cannot assign attribute on non-namespace object") }
            namespace.attributes.set(value, for: attribute)
        }
    }

    /// How deep macros may call macros: jinja2 reaches Python's recursion limit at about 190.
    static let maximumCallDepth = 200

    /// Calls `macro` from a scope `depth` calls deep: positional arguments, then keyword
    /// arguments, then defaults (evaluated in the call's scope, so they may read earlier
    /// parameters) fill the parameters; a missing one is undefined. Extra arguments go to
    /// `varargs` and `kwargs` when the body names them.
    func call(_ macro: TemplateMacro, _ arguments: TemplateCallArguments, caller: TemplateMacro?, depth: Int) throws(TemplateFault) -> TemplateValue {
        let definition = macro.definition
        guard depth < Self.maximumCallDepth else { throw .error("maximum recursion depth exceeded: macros called \(depth) deep") }
        let scope = TemplateScope(parent: macro.closure, callDepth: depth + 1)
        let parameters = definition.parameters
        if arguments.positional.count > parameters.count && !definition.takesVarargs {
            throw .error("macro '\(definition.name)' takes not more than \(parameters.count) argument(s)")
        }
        var keyword = arguments.keyword
        for (position, parameter) in parameters.enumerated() {
            let value: TemplateValue
            if position < arguments.positional.count {
                value = arguments.positional[position]
            } else if let index = keyword.firstIndex(where: { $0.name == parameter.name }) {
                value = keyword.remove(at: index).value
            } else if let defaultValue = parameter.defaultValue {
                value = try evaluate(defaultValue, in: scope)
            } else {
                value = .undefined(TemplateUndefined(reason: .message("parameter '\(parameter.name)' was not provided")))
            }
            scope.assign(parameter.name, value)
        }
        if definition.takesVarargs { scope.assign("varargs", .tuple(Array(arguments.positional.dropFirst(parameters.count)))) }
        if definition.takesKeywordArguments {
            var extra = TemplateDictionary()
            for (name, value) in keyword { extra.set(value, for: name) }
            scope.assign("kwargs", .dictionary(extra))
        } else if let unexpected = keyword.first {
            throw .error("macro '\(definition.name)' takes no keyword argument '\(unexpected.name)'")
        }
        if definition.takesCaller {
            scope.assign("caller", caller.map { .macro($0) } ?? .undefined(TemplateUndefined(reason: .message("No caller defined"))))
        } else if caller != nil {
            throw .error("macro '\(definition.name)' takes no caller: its body never calls caller()")
        }
        var output = ""
        _ = try execute(definition.body, in: scope, into: &output)
        return .string(output)
    }
}
