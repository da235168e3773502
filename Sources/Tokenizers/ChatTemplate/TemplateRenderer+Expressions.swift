/// Expressions, with the lookups of jinja2's sandbox: `a.b` takes an attribute (a method of a
/// string, list or dict, a namespace's attribute) before an item, `a[b]` an item before an
/// attribute, and a missing one is undefined rather than an error.
extension TemplateRenderer {
    func evaluate(_ expression: TemplateExpression, in scope: TemplateScope) throws(TemplateFault) -> TemplateValue {
        switch expression {
        case let .constant(constant):
            switch constant {
            case .none: return .none
            case let .boolean(value): return .boolean(value)
            case let .integer(value): return .integer(value)
            case let .float(value): return .float(value)
            case let .string(value): return .string(value)
            }
        case let .name(name):
            return scope.lookup(name) ?? TemplateGlobals.function(named: name) ?? .undefined(.name(name))
        case let .list(items):
            return .list(try evaluate(items, in: scope))
        case let .tuple(items):
            return .tuple(try evaluate(items, in: scope))
        case let .dictionary(members):
            var dictionary = TemplateDictionary()
            for (key, value) in members { try dictionary.set(try evaluate(value, in: scope), for: try evaluate(key, in: scope)) }
            return .dictionary(dictionary)
        case let .attribute(object, name):
            return try attribute(name, of: try evaluate(object, in: scope))
        case let .item(object, key):
            return try item(try evaluate(key, in: scope), of: try evaluate(object, in: scope))
        case let .slice(object, start, stop, step):
            let value = try evaluate(object, in: scope)
            return try slice(value, start: try start.map { (part) throws(TemplateFault) in try evaluate(part, in: scope) },
                             stop: try stop.map { (part) throws(TemplateFault) in try evaluate(part, in: scope) },
                             step: try step.map { (part) throws(TemplateFault) in try evaluate(part, in: scope) })
        case let .call(callee, arguments):
            return try call(callee, arguments, caller: nil, in: scope)
        case let .filter(value, name, arguments):
            return try applyFilter(name, to: try evaluate(value, in: scope), try evaluate(arguments, in: scope))
        case let .test(value, name, arguments):
            return .boolean(try applyTest(name, to: try evaluate(value, in: scope), try evaluate(arguments, in: scope)))
        case let .not(operand):
            return .boolean(!(try evaluate(operand, in: scope).isTruthy))
        case let .negative(operand):
            return try TemplateOperators.negate(try evaluate(operand, in: scope))
        case let .positive(operand):
            let value = try evaluate(operand, in: scope).defined()
            guard let number = value.number else { throw .error("bad operand type for unary +: '\(value.typeName)'") }
            return number.value
        case let .arithmetic(.add, left, right):
            let sum = try sum(left, right, in: scope)
            return sum.value ?? .string(sum.strings.joined())
        case let .arithmetic(operation, left, right):
            return try TemplateOperators.apply(operation, try evaluate(left, in: scope), try evaluate(right, in: scope))
        case let .concatenation(parts):
            var text = ""
            for part in parts { text += try evaluate(part, in: scope).text() }
            return .string(text)
        case let .and(left, right):
            let value = try evaluate(left, in: scope)
            return value.isTruthy ? try evaluate(right, in: scope) : value
        case let .or(left, right):
            let value = try evaluate(left, in: scope)
            return value.isTruthy ? value : try evaluate(right, in: scope)
        case let .comparison(first, operations):
            var left = try evaluate(first, in: scope)
            for (operation, operand) in operations {
                let right = try evaluate(operand, in: scope)
                guard try TemplateOperators.compare(left, operation, right) else { return .boolean(false) }
                left = right
            }
            return .boolean(true)
        case let .conditional(value, test, otherwise):
            if try evaluate(test, in: scope).isTruthy { return try evaluate(value, in: scope) }
            guard let otherwise else {
                return .undefined(TemplateUndefined(reason: .message("the inline if-expression evaluated to false and no else section was defined")))
            }
            return try evaluate(otherwise, in: scope)
        }
    }

    /// `left + right`, `left` possibly a chain of `+` itself (they nest to the left): the operands
    /// in order, added as `TemplateOperators.apply` adds them, except that plain strings are kept
    /// as the parts of their sum instead of being copied into a new string at every `+`
    /// (`'<|im_start|>' + message['role'] + '\n' + message['content'] + ...`), and joined only when
    /// an operand of another type follows. Joining strings cannot fail, so putting it off changes
    /// neither the result nor which error is raised. When every operand is a plain string, `value`
    /// is nil and `strings` are the parts, which `{{ }}` writes one after another.
    func sum(_ left: TemplateExpression, _ right: TemplateExpression, in scope: TemplateScope) throws(TemplateFault) -> (value: TemplateValue?, strings: [String]) {
        var operands = [right]
        var first = left
        while case let .arithmetic(.add, inner, operand) = first {
            operands.append(operand)
            first = inner
        }
        var value = try evaluate(first, in: scope)
        /// The plain strings added so far, while every operand has been one.
        var strings: [String] = []
        var allStrings = false
        if case let .string(string) = value {
            strings.reserveCapacity(operands.count + 1)
            strings.append(string)
            allStrings = true
        }
        for operand in operands.reversed() {
            let next = try evaluate(operand, in: scope)
            if allStrings, case let .string(string) = next {
                strings.append(string)
                continue
            }
            if allStrings {
                value = .string(strings.joined())
                allStrings = false
            }
            value = try TemplateOperators.apply(.add, value, next)
        }
        return allStrings ? (nil, strings) : (value, [])
    }

    private func evaluate(_ items: [TemplateExpression], in scope: TemplateScope) throws(TemplateFault) -> [TemplateValue] {
        var values: [TemplateValue] = []
        values.reserveCapacity(items.count)
        for item in items { values.append(try evaluate(item, in: scope)) }
        return values
    }

    /// `value.name`: a method, a namespace's or loop's attribute, else a dict's item.
    func attribute(_ name: String, of value: TemplateValue) throws(TemplateFault) -> TemplateValue {
        switch value {
        case let .undefined(undefined):
            throw undefined.fault
        case let .namespace(namespace):
            return namespace.attributes[name] ?? .undefined(TemplateUndefined(reason: .attribute(owner: "Namespace", name: name)))
        case let .loop(loop):
            if let attribute = loop.attribute(name) { return attribute }
        default:
            break
        }
        if let method = TemplateMethods.method(name, of: value) { return method }
        if case let .dictionary(dictionary) = value, let member = dictionary[name] { return member }
        return .undefined(TemplateUndefined(reason: .attribute(owner: value.typeName, name: name)))
    }

    /// `value[key]`: a dict's item, a list's or string's element (negative from the end), else
    /// the attribute a string key names.
    func item(_ key: TemplateValue, of value: TemplateValue) throws(TemplateFault) -> TemplateValue {
        let key = key.plain, value = value.plain
        switch value {
        case let .undefined(undefined):
            throw undefined.fault
        case let .dictionary(dictionary):
            if let member = dictionary[key] { return member }
        case let .list(items), let .tuple(items):
            if let index = key.integer {
                let position = index < 0 ? index + items.count : index
                if position >= 0 && position < items.count { return items[position] }
            }
        case let .string(text):
            if let index = key.integer {
                let scalars = text.unicodeScalars
                let count = scalars.count
                let position = index < 0 ? index + count : index
                if position >= 0 && position < count { return .string(String(scalars[scalars.index(scalars.startIndex, offsetBy: position)])) }
            }
        default:
            break
        }
        if case let .string(name) = key { return try attribute(name, of: value) }
        return .undefined(TemplateUndefined(reason: .element(owner: value.typeName, key: (try? key.representation()) ?? key.typeName)))
    }

    /// `value[start:stop:step]` of a list, tuple or string, with Python's bounds.
    private func slice(_ value: TemplateValue, start: TemplateValue?, stop: TemplateValue?, step: TemplateValue?) throws(TemplateFault) -> TemplateValue {
        func bound(_ part: TemplateValue?) throws(TemplateFault) -> Int? {
            switch part {
            case nil, .none?: return nil
            case let part?:
                guard let index = try part.defined().integer else { throw .error("slice indices must be integers or None") }
                return index
            }
        }
        let stride = try bound(step) ?? 1
        guard stride != 0 else { throw .error("slice step cannot be zero") }
        let (first, last) = (try bound(start), try bound(stop))
        switch value.plain {
        case let .undefined(undefined):
            throw undefined.fault
        case let .list(items):
            return .list(Self.sliced(items, first, last, stride))
        case let .tuple(items):
            return .tuple(Self.sliced(items, first, last, stride))
        case let .string(text):
            return .string(String(String.UnicodeScalarView(Self.sliced(Array(text.unicodeScalars), first, last, stride))))
        default:
            return .undefined(TemplateUndefined(reason: .message("'\(value.typeName)' object is not subscriptable")))
        }
    }

    private static func sliced<Element>(_ items: [Element], _ start: Int?, _ stop: Int?, _ step: Int) -> [Element] {
        let count = items.count
        let (lower, upper) = step < 0 ? (-1, count - 1) : (0, count)
        func clamp(_ index: Int?, _ absent: Int) -> Int {
            guard var index else { return absent }
            if index < 0 { index += count }
            return min(max(index, lower), upper)
        }
        var index = clamp(start, step < 0 ? upper : lower)
        let end = clamp(stop, step < 0 ? lower : upper)
        var result: [Element] = []
        while step > 0 ? index < end : index > end {
            result.append(items[index])
            index += step
        }
        return result
    }

    /// Calls what `callee` gives: a macro (with a call block's body as `caller`), a global
    /// function or a method.
    func call(_ callee: TemplateExpression, _ arguments: TemplateArguments, caller: TemplateMacro?, in scope: TemplateScope) throws(TemplateFault) -> TemplateValue {
        let function = try evaluate(callee, in: scope)
        let evaluated = try evaluate(arguments, in: scope)
        switch function {
        case let .macro(macro):
            return try call(macro, evaluated, caller: caller, depth: scope.callDepth)
        case let .function(function) where caller == nil:
            if let receiver = function.receiver { return try TemplateMethods.call(function.name, on: receiver, evaluated) }
            return try TemplateGlobals.call(function.name, evaluated, clock: clock)
        case let .undefined(undefined):
            throw undefined.fault
        default:
            throw .error("'\(function.typeName)' object is not callable")
        }
    }
}
