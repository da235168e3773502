import Foundation

/// Python's arithmetic and comparison operators on template values. An undefined operand raises
/// its error, as jinja2's `Undefined` does; integers beyond 64 bits are not supported.
enum TemplateOperators {
    static func apply(_ operation: TemplateArithmetic, _ left: TemplateValue, _ right: TemplateValue) throws(TemplateFault) -> TemplateValue {
        if let markup = try markupArithmetic(operation, left, right) { return markup }
        let left = try left.defined().plain, right = try right.defined().plain
        if let a = left.number, let b = right.number { return try arithmetic(operation, a, b) }
        if operation == .multiply, let count = right.integer ?? left.integer {
            return try repeated(right.integer != nil ? left : right, count, operation: operation, right: right.integer != nil ? right : left)
        }
        switch (operation, left, right) {
        case let (.add, .string(a), .string(b)): return .string(a + b)
        case let (.add, .list(a), .list(b)): return .list(a + b)
        case let (.add, .tuple(a), .tuple(b)): return .tuple(a + b)
        case (.add, .string, _), (.add, .list, _), (.add, .tuple, _):
            throw .error("can only concatenate \(left.typeName) (not \"\(right.typeName)\") to \(left.typeName)")
        case (.modulo, .string, _):
            throw .unsupported("'%' string formatting")
        default:
            throw .error("unsupported operand type(s) for \(operation.rawValue): '\(left.typeName)' and '\(right.typeName)'")
        }
    }

    /// `Markup + str` and `str + Markup` escape the plain string; `Markup * n` stays `Markup`.
    private static func markupArithmetic(_ operation: TemplateArithmetic, _ left: TemplateValue, _ right: TemplateValue) throws(TemplateFault) -> TemplateValue? {
        switch (operation, left, right) {
        case let (.add, .markup(a), .markup(b)): return .markup(a + b)
        case let (.add, .markup(a), .string(b)): return .markup(a + TemplateHTML.escaped(b))
        case let (.add, .string(a), .markup(b)): return .markup(TemplateHTML.escaped(a) + b)
        case let (.multiply, .markup(text), count):
            guard let times = count.integer else { return nil }
            return .markup(String(repeating: text, count: max(times, 0)))
        default: return nil
        }
    }

    /// `sequence * count`: a string, list or tuple repeated.
    private static func repeated(_ sequence: TemplateValue, _ count: Int, operation: TemplateArithmetic, right: TemplateValue) throws(TemplateFault) -> TemplateValue {
        let times = max(count, 0)
        switch sequence {
        case let .string(text): return .string(String(repeating: text, count: times))
        case let .list(items): return .list(Array([[TemplateValue]](repeating: items, count: times).joined()))
        case let .tuple(items): return .tuple(Array([[TemplateValue]](repeating: items, count: times).joined()))
        default: throw .error("unsupported operand type(s) for \(operation.rawValue): '\(sequence.typeName)' and '\(right.typeName)'")
        }
    }

    private static func arithmetic(_ operation: TemplateArithmetic, _ left: TemplateNumber, _ right: TemplateNumber) throws(TemplateFault) -> TemplateValue {
        if case let .integer(a) = left, case let .integer(b) = right {
            func checked(_ result: (partialValue: Int, overflow: Bool)) throws(TemplateFault) -> Int {
                guard !result.overflow else { throw .unsupported("integers beyond 64 bits") }
                return result.partialValue
            }
            func exact(_ result: (partialValue: Int, overflow: Bool)) throws(TemplateFault) -> TemplateValue {
                .integer(try checked(result))
            }
            switch operation {
            case .add: return try exact(a.addingReportingOverflow(b))
            case .subtract: return try exact(a.subtractingReportingOverflow(b))
            case .multiply: return try exact(a.multipliedReportingOverflow(by: b))
            case .divide:
                guard b != 0 else { throw .error("division by zero") }
                return .float(Double(a) / Double(b))
            case .floorDivide, .modulo:
                guard b != 0 else { throw .error("integer division or modulo by zero") }
                guard !(a == .min && b == -1) else { throw .unsupported("integers beyond 64 bits") }
                var quotient = a / b, remainder = a % b
                if remainder != 0 && (remainder < 0) != (b < 0) {
                    quotient -= 1
                    remainder += b
                }
                return .integer(operation == .floorDivide ? quotient : remainder)
            case .power:
                if b < 0 { return .float(pow(Double(a), Double(b))) }
                var result = 1, base = a, exponent = b
                while exponent > 0 {
                    if exponent & 1 == 1 { result = try checked(result.multipliedReportingOverflow(by: base)) }
                    exponent >>= 1
                    if exponent > 0 { base = try checked(base.multipliedReportingOverflow(by: base)) }
                }
                return .integer(result)
            }
        }
        let a = left.double, b = right.double
        switch operation {
        case .add: return .float(a + b)
        case .subtract: return .float(a - b)
        case .multiply: return .float(a * b)
        case .divide:
            guard b != 0 else { throw .error("float division by zero") }
            return .float(a / b)
        case .floorDivide, .modulo:
            guard b != 0 else { throw .error(operation == .modulo ? "float modulo" : "float floor division by zero") }
            // CPython's float_divmod.
            var remainder = fmod(a, b)
            var quotient = (a - remainder) / b
            if remainder != 0 {
                if (b < 0) != (remainder < 0) {
                    remainder += b
                    quotient -= 1
                }
            } else {
                remainder = copysign(0, b)
            }
            if operation == .modulo { return .float(remainder) }
            guard quotient != 0 else { return .float(copysign(0, a / b)) }
            var floored = quotient.rounded(.down)
            if quotient - floored > 0.5 { floored += 1 }
            return .float(floored)
        case .power:
            if a < 0 && b.rounded() != b { throw .unsupported("complex numbers") }
            if a == 0 && b < 0 { throw .error("0.0 cannot be raised to a negative power") }
            return .float(pow(a, b))
        }
    }

    /// Unary `-`.
    static func negate(_ value: TemplateValue) throws(TemplateFault) -> TemplateValue {
        switch try value.defined().number {
        case let .integer(integer)?:
            guard integer != .min else { throw .unsupported("integers beyond 64 bits") }
            return .integer(-integer)
        case let .float(float)?:
            return .float(-float)
        case nil:
            throw .error("bad operand type for unary -: '\(value.typeName)'")
        }
    }

    /// One comparison of a chain.
    static func compare(_ left: TemplateValue, _ operation: TemplateComparison, _ right: TemplateValue) throws(TemplateFault) -> Bool {
        switch operation {
        case .equal: return left.isEqual(to: right)
        case .notEqual: return !left.isEqual(to: right)
        case .in: return try contains(right, left)
        case .notIn: return !(try contains(right, left))
        case .less: return try ordered(left, right, operation) < 0
        case .lessOrEqual: return try ordered(left, right, operation) <= 0
        case .greater: return try ordered(left, right, operation) > 0
        case .greaterOrEqual: return try ordered(left, right, operation) >= 0
        }
    }

    private static func ordered(_ left: TemplateValue, _ right: TemplateValue, _ operation: TemplateComparison) throws(TemplateFault) -> Int {
        try left.defined().compare(to: try right.defined(), operation: operation.rawValue)
    }

    /// Python's `element in container`: a substring of a string, an item of a list or tuple, a
    /// key of a dict; nothing is in an undefined value.
    static func contains(_ container: TemplateValue, _ element: TemplateValue) throws(TemplateFault) -> Bool {
        let element = element.plain
        switch container.plain {
        case .undefined:
            return false
        case let .string(text):
            guard case let .string(part) = element else {
                throw .error("'in <string>' requires string as left operand, not \(element.typeName)")
            }
            return part.isEmpty || TemplateStrings.find(part, in: text) != nil
        case let .list(items), let .tuple(items):
            return items.contains { $0.isEqual(to: element) }
        case let .dictionary(dictionary):
            guard TemplateKey(element) != nil else { throw .error("unhashable type: '\(element.typeName)'") }
            return dictionary[element] != nil
        case let .loop(loop):
            return loop.items.contains { $0.isEqual(to: element) }
        case let .iterator(iterator):
            while let item = iterator.next() { if item.isEqual(to: element) { return true } }
            return false
        default:
            throw .error("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
