/// jinja2's tests (`value is name(arguments)`), with Python's notion of each type: a `bool` is a
/// `number` but not an `integer`, an undefined value is `iterable` and a `sequence`.
extension TemplateRenderer {
    func applyTest(_ name: String, to value: TemplateValue, _ arguments: TemplateCallArguments) throws(TemplateFault) -> Bool {
        func operand() throws(TemplateFault) -> TemplateValue {
            guard let other = try arguments.bind(name, ["other"])[0] else { throw .error("\(name)() missing 1 required positional argument") }
            return other
        }
        switch name {
        case "defined", "undefined":
            try arguments.none(name)
            return value.isUndefined == (name == "undefined")
        case "none", "boolean", "true", "false", "integer", "float", "number", "string", "mapping", "iterable", "sequence", "callable", "escaped":
            try arguments.none(name)
            return Self.hasType(name, value)
        case "odd", "even":
            try arguments.none(name)
            let remainder = try TemplateOperators.apply(.modulo, value, .integer(2))
            return remainder.isEqual(to: .integer(name == "odd" ? 1 : 0))
        case "divisibleby":
            return try TemplateOperators.apply(.modulo, value, try operand()).isEqual(to: .integer(0))
        case "lower", "upper":
            try arguments.none(name)
            return try TemplateMethods.call("is" + name, on: .string(try value.text()), TemplateCallArguments()).isTruthy
        case "in":
            return try TemplateOperators.contains(try operand(), value)
        case "sameas":
            let other = try operand()
            switch (value, other) {
            case (.none, .none): return true
            case let (.boolean(a), .boolean(b)): return a == b
            case (.none, _), (_, .none), (.boolean, _), (_, .boolean): return false
            default: throw .unsupported("the 'sameas' test on \(value.typeName) values")
            }
        case "==", "eq", "equalto": return value.isEqual(to: try operand())
        case "!=", "ne": return !value.isEqual(to: try operand())
        case "<", "lt", "lessthan": return try TemplateOperators.compare(value, .less, try operand())
        case "<=", "le": return try TemplateOperators.compare(value, .lessOrEqual, try operand())
        case ">", "gt", "greaterthan": return try TemplateOperators.compare(value, .greater, try operand())
        case ">=", "ge": return try TemplateOperators.compare(value, .greaterOrEqual, try operand())
        case "filter", "test":
            throw .unsupported("the '\(name)' test")
        default:
            throw .error("No test named '\(name)'.")
        }
    }

    private static func hasType(_ name: String, _ value: TemplateValue) -> Bool {
        if name == "escaped" { if case .markup = value { return true } }
        switch (name, value.plain) {
        case ("none", .none), ("boolean", .boolean), ("integer", .integer), ("float", .float), ("string", .string), ("mapping", .dictionary):
            return true
        case let ("true", .boolean(flag)):
            return flag
        case let ("false", .boolean(flag)):
            return !flag
        case ("number", _):
            return value.number != nil
        case ("iterable", .undefined), ("iterable", .string), ("iterable", .list), ("iterable", .tuple), ("iterable", .dictionary), ("iterable", .loop),
             ("iterable", .iterator):
            return true
        case ("sequence", .undefined), ("sequence", .string), ("sequence", .list), ("sequence", .tuple), ("sequence", .dictionary):
            return true
        case ("callable", .undefined), ("callable", .macro), ("callable", .function), ("callable", .loop):
            return true
        default:
            return false
        }
    }
}
