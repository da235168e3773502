/// The variable names statements read, which tell whether a macro takes `varargs`, `kwargs` and
/// `caller` (jinja2 gives a macro these only when its body names them).
enum TemplateNames {
    static func referenced(in nodes: [TemplateNode]) -> Set<String> {
        var names: Set<String> = []
        for node in nodes { collect(node.statement, into: &names) }
        return names
    }

    private static func collect(_ statement: TemplateStatement, into names: inout Set<String>) {
        func body(_ nodes: [TemplateNode]) { for node in nodes { collect(node.statement, into: &names) } }
        func filters(_ chain: [(name: String, arguments: TemplateArguments)]) { for filter in chain { collect(filter.arguments, into: &names) } }
        switch statement {
        case .text, .breakLoop, .continueLoop:
            break
        case let .output(expression):
            collect(expression, into: &names)
        case let .conditional(branches, otherwise):
            for branch in branches {
                collect(branch.test, into: &names)
                body(branch.body)
            }
            body(otherwise)
        case let .loop(_, iterable, filter, loopBody, otherwise):
            collect(iterable, into: &names)
            if let filter { collect(filter, into: &names) }
            body(loopBody)
            body(otherwise)
        case let .assignment(_, value):
            collect(value, into: &names)
        case let .blockAssignment(_, chain, assignedBody):
            filters(chain)
            body(assignedBody)
        case let .macro(definition):
            for parameter in definition.parameters { if let value = parameter.defaultValue { collect(value, into: &names) } }
            body(definition.body)
        case let .callBlock(call, caller):
            collect(call, into: &names)
            body(caller.body)
        case let .filterBlock(chain, filteredBody):
            filters(chain)
            body(filteredBody)
        case let .scope(assignments, scopedBody):
            for (_, value) in assignments { collect(value, into: &names) }
            body(scopedBody)
        }
    }

    private static func collect(_ arguments: TemplateArguments, into names: inout Set<String>) {
        for argument in arguments.positional { collect(argument, into: &names) }
        for argument in arguments.keyword { collect(argument.value, into: &names) }
    }

    private static func collect(_ expression: TemplateExpression, into names: inout Set<String>) {
        switch expression {
        case .constant:
            break
        case let .name(name):
            names.insert(name)
        case let .list(items), let .tuple(items), let .concatenation(items):
            for item in items { collect(item, into: &names) }
        case let .dictionary(members):
            for member in members {
                collect(member.key, into: &names)
                collect(member.value, into: &names)
            }
        case let .attribute(object, _), let .not(object), let .negative(object), let .positive(object):
            collect(object, into: &names)
        case let .item(object, key):
            collect(object, into: &names)
            collect(key, into: &names)
        case let .slice(object, start, stop, step):
            for part in [object, start, stop, step].compactMap({ $0 }) { collect(part, into: &names) }
        case let .call(callee, arguments):
            collect(callee, into: &names)
            collect(arguments, into: &names)
        case let .filter(value, _, arguments), let .test(value, _, arguments):
            collect(value, into: &names)
            collect(arguments, into: &names)
        case let .arithmetic(_, left, right), let .and(left, right), let .or(left, right):
            collect(left, into: &names)
            collect(right, into: &names)
        case let .comparison(first, rest):
            collect(first, into: &names)
            for (_, operand) in rest { collect(operand, into: &names) }
        case let .conditional(value, test, otherwise):
            collect(value, into: &names)
            collect(test, into: &names)
            if let otherwise { collect(otherwise, into: &names) }
        }
    }
}
