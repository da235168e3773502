/// A value while a template renders, with the Python semantics jinja2 gives it: the JSON values
/// of the conversation (`None`, `bool`, `int`, `float`, `str`, `list`, `dict`), tuples,
/// jinja2's `Undefined` and `Markup`, the one-pass iterators its filters return, and the objects
/// templates make: namespaces, loop contexts, macros, global functions and bound methods.
enum TemplateValue {
    case undefined(TemplateUndefined)
    case none
    case boolean(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    /// markupsafe's `Markup` (from `|safe` and `|escape`): a string that escapes the strings
    /// `+` joins to it; anywhere else, a string.
    case markup(String)
    case list([TemplateValue])
    case tuple([TemplateValue])
    case dictionary(TemplateDictionary)
    case namespace(TemplateNamespace)
    case loop(TemplateLoop)
    case macro(TemplateMacro)
    indirect case function(TemplateFunction)
    /// What `map`, `select`, `reverse` and other filters return: items that can be gone through once.
    case iterator(TemplateIterator)

    /// The value with a `Markup` as the plain string it holds.
    var plain: TemplateValue {
        if case let .markup(text) = self { return .string(text) }
        return self
    }

    /// Python's name of the value's type, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .boolean: return "bool"
        case .integer: return "int"
        case .float: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dictionary: return "dict"
        case .namespace: return "Namespace"
        case .loop: return "LoopContext"
        case .macro: return "Macro"
        case .function: return "builtin_function_or_method"
        case let .iterator(iterator): return iterator.typeName
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python's `bool(value)`.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .boolean(value): return value
        case let .integer(value): return value != 0
        case let .float(value): return value != 0
        case let .string(value), let .markup(value): return !value.isEmpty
        case let .list(items), let .tuple(items): return !items.isEmpty
        case let .dictionary(dictionary): return dictionary.count > 0
        case let .iterator(iterator): return !iterator.isView || !iterator.items.isEmpty
        case .namespace, .loop, .macro, .function: return true
        }
    }

    /// The value as a number, for `bool`, `int` and `float` (a `bool` is an `int` in Python).
    var number: TemplateNumber? {
        switch self {
        case let .boolean(value): return .integer(value ? 1 : 0)
        case let .integer(value): return .integer(value)
        case let .float(value): return .float(value)
        default: return nil
        }
    }

    /// The value as an `int`, for `bool` and `int`.
    var integer: Int? {
        if case let .integer(value)? = number { return value }
        return nil
    }

    /// Python's `==`: numbers by value across `bool`, `int` and `float`, strings by code points,
    /// lists, tuples and dicts by their members, an undefined value equal only to another, other
    /// objects by identity.
    func isEqual(to other: TemplateValue) -> Bool {
        if let left = number, let right = other.number { return left == right }
        switch (plain, other.plain) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(left), .string(right)): return TemplateValue.sameCodePoints(left, right)
        case let (.list(left), .list(right)), let (.tuple(left), .tuple(right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.isEqual(to: $1) }
        case let (.dictionary(left), .dictionary(right)): return left.isEqual(to: right)
        case let (.namespace(left), .namespace(right)): return left === right
        case let (.loop(left), .loop(right)): return left === right
        case let (.macro(left), .macro(right)): return left === right
        case let (.iterator(left), .iterator(right)): return left === right
        default: return false
        }
    }

    /// Python's ordering of two values (`<`), for numbers, strings (by code point) and lists or
    /// tuples of those; other pairs are a `TypeError` naming `operation`.
    func compare(to other: TemplateValue, operation: String = "<") throws(TemplateFault) -> Int {
        if let left = number, let right = other.number { return left < right ? -1 : left == right ? 0 : 1 }
        switch (plain, other.plain) {
        case let (.string(left), .string(right)):
            return left.utf8.lexicographicallyPrecedes(right.utf8) ? -1 : TemplateValue.sameCodePoints(left, right) ? 0 : 1
        case let (.list(left), .list(right)), let (.tuple(left), .tuple(right)):
            for (a, b) in zip(left, right) where !a.isEqual(to: b) { return try a.compare(to: b, operation: operation) }
            return left.count < right.count ? -1 : left.count == right.count ? 0 : 1
        default:
            throw .error("'\(operation)' not supported between instances of '\(typeName)' and '\(other.typeName)'")
        }
    }

    /// What `for` goes through: the items of a list or tuple, the keys of a dict, the characters
    /// of a string, what an iterator has left (which uses it up); nothing for an undefined value.
    func iterated() throws(TemplateFault) -> [TemplateValue] {
        switch self {
        case .undefined: return []
        case let .list(items), let .tuple(items): return items
        case let .dictionary(dictionary): return dictionary.keys
        case let .string(text), let .markup(text): return text.unicodeScalars.map { .string(String($0)) }
        case let .iterator(iterator): return iterator.remaining()
        default: throw .error("'\(typeName)' object is not iterable")
        }
    }

    /// Python's `len(value)`; 0 for an undefined value.
    func length() throws(TemplateFault) -> Int {
        switch self {
        case .undefined: return 0
        case let .string(text), let .markup(text): return text.unicodeScalars.count
        case let .list(items), let .tuple(items): return items.count
        case let .dictionary(dictionary): return dictionary.count
        case let .namespace(namespace): return namespace.attributes.count
        case let .loop(loop): return loop.items.count
        case let .iterator(iterator) where iterator.isView: return iterator.items.count
        default: throw .error("object of type '\(typeName)' has no len()")
        }
    }

    /// The value when it is defined, else the error its use raises.
    func defined() throws(TemplateFault) -> TemplateValue {
        if case let .undefined(undefined) = self { throw undefined.fault }
        return self
    }

    /// Whether two strings hold the same code points (Swift's `==` compares canonical equivalence).
    static func sameCodePoints(_ left: String, _ right: String) -> Bool {
        left.utf8.count == right.utf8.count && left.utf8.elementsEqual(right.utf8)
    }
}

/// A Python number: `bool` and `int` as integers, `float` as a double.
enum TemplateNumber: Equatable, Comparable {
    case integer(Int)
    case float(Double)

    var double: Double {
        switch self {
        case let .integer(value): return Double(value)
        case let .float(value): return value
        }
    }

    static func == (left: TemplateNumber, right: TemplateNumber) -> Bool {
        if case let .integer(a) = left, case let .integer(b) = right { return a == b }
        return left.double == right.double
    }

    static func < (left: TemplateNumber, right: TemplateNumber) -> Bool {
        if case let .integer(a) = left, case let .integer(b) = right { return a < b }
        return left.double < right.double
    }

    var value: TemplateValue {
        switch self {
        case let .integer(value): return .integer(value)
        case let .float(value): return .float(value)
        }
    }
}

/// jinja2's `Undefined`: a missing variable, attribute or item. It prints as nothing, is false,
/// iterates as empty and is only `defined` in no test; reading its attributes or items, calling it
/// or computing with it raises the error it describes.
struct TemplateUndefined {
    enum Reason {
        case name(String)
        case attribute(owner: String, name: String)
        case element(owner: String, key: String)
        /// An attribute the sandbox refuses, like a list's `append`.
        case unsafe(owner: String, name: String)
        case message(String)
    }

    var reason: Reason

    static func name(_ name: String) -> TemplateUndefined { TemplateUndefined(reason: .name(name)) }

    var fault: TemplateFault {
        switch reason {
        case let .name(name): return .error("'\(name)' is undefined")
        case let .attribute(owner, name): return .error("'\(owner) object' has no attribute '\(name)'")
        case let .element(owner, key): return .error("\(owner) object has no element \(key)")
        case let .unsafe(owner, name): return .error("access to attribute '\(name)' of '\(owner)' object is unsafe")
        case let .message(message): return .error(message)
        }
    }
}
