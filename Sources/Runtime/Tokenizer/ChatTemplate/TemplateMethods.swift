/// The Python methods templates call on strings (`content.strip()`, `.split('</think>')`),
/// lists, dicts (`message.get('content')`, `.items()`) and `loop` (`cycle`, `changed`).
/// Methods that change a list or dict are refused as jinja2's immutable sandbox refuses them:
/// reading one gives an undefined value that raises when called.
enum TemplateMethods {
    private static let stringMethods: Set = [
        "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format", "format_map", "index",
        "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric", "isprintable", "isspace",
        "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition", "removeprefix", "removesuffix", "replace",
        "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase",
        "title", "translate", "upper", "zfill",
    ]
    private static let listMethods: Set = ["append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"]
    private static let tupleMethods: Set = ["count", "index"]
    private static let dictionaryMethods: Set = ["clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"]
    private static let loopMethods: Set = ["cycle", "changed"]
    /// What the sandbox refuses on lists and dicts.
    private static let mutatingMethods: Set = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort", "popitem", "setdefault", "update"]

    /// The method `name` of `value` as a callable, an undefined value for a refused one, or nil
    /// when the value has no such method.
    static func method(_ name: String, of value: TemplateValue) -> TemplateValue? {
        let names: Set<String>
        let value = value.plain
        switch value {
        case .string: names = stringMethods
        case .list: names = listMethods
        case .tuple: names = tupleMethods
        case .dictionary: names = dictionaryMethods
        case .loop: names = loopMethods
        default: return nil
        }
        guard names.contains(name) else { return nil }
        if mutatingMethods.contains(name), !value.isString {
            return .undefined(TemplateUndefined(reason: .unsafe(owner: value.typeName, name: name)))
        }
        return .function(TemplateFunction(receiver: value, name: name))
    }

    static func call(_ name: String, on receiver: TemplateValue, _ arguments: TemplateCallArguments) throws(TemplateFault) -> TemplateValue {
        let arguments = arguments.plain
        switch receiver.plain {
        case let .string(text): return try callString(name, text, arguments)
        case let .list(items), let .tuple(items): return try callSequence(name, items, isList: !receiver.isTuple, arguments)
        case let .dictionary(dictionary): return try callDictionary(name, dictionary, arguments)
        case let .loop(loop): return try callLoop(name, loop, arguments)
        default: throw .unsupported("the method '\(name)' of '\(receiver.typeName)'")
        }
    }

    // MARK: str

    private static func callString(_ name: String, _ text: String, _ arguments: TemplateCallArguments) throws(TemplateFault) -> TemplateValue {
        func strings(_ parameters: [String]) throws(TemplateFault) -> [String?] {
            var values: [String?] = []
            for value in try arguments.bind(name, parameters) {
                switch value {
                case nil, .none?: values.append(nil)
                case let .string(string)?: values.append(string)
                case let other?: throw .error("\(name)() argument must be str or None, not \(other.typeName)")
                }
            }
            return values
        }
        func integer(_ value: TemplateValue?, default defaultValue: Int) throws(TemplateFault) -> Int {
            guard let value else { return defaultValue }
            guard let integer = value.integer else { throw .error("'\(value.typeName)' object cannot be interpreted as an integer") }
            return integer
        }
        switch name {
        case "strip", "lstrip", "rstrip":
            let characters = try strings(["chars"])[0]
            return .string(TemplateStrings.strip(text, characters: characters, leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            let bound = try arguments.bind(name, ["sep", "maxsplit"])
            let separator: String?
            switch bound[0] {
            case nil, .none?: separator = nil
            case let .string(string)?:
                guard !string.isEmpty else { throw .error("empty separator") }
                separator = string
            case let other?: throw .error("must be str or None, not \(other.typeName)")
            }
            let pieces = TemplateStrings.split(text, separator: separator, maxSplit: try integer(bound[1], default: -1), fromEnd: name == "rsplit")
            return .list(pieces.map(TemplateValue.string))
        case "splitlines":
            let keepEnds = try arguments.bind(name, ["keepends"])[0]?.isTruthy ?? false
            return .list(TemplateStrings.splitLines(text, keepEnds: keepEnds).map(TemplateValue.string))
        case "startswith", "endswith":
            let bound = try arguments.bind(name, ["prefix", "start", "end"])
            guard bound[1] == nil, bound[2] == nil else { throw .unsupported("\(name)() with start or end") }
            let candidates: [TemplateValue]
            switch bound[0] {
            case let .tuple(items)?: candidates = items
            case let value?: candidates = [value]
            case nil: throw .error("\(name)() takes at least 1 argument (0 given)")
            }
            for candidate in candidates {
                guard case let .string(affix) = candidate else {
                    throw .error("\(name) first arg must be str or a tuple of str, not \(candidate.typeName)")
                }
                let matched = name == "startswith" ? text.utf8.starts(with: affix.utf8) : text.utf8.reversed().starts(with: affix.utf8.reversed())
                if matched { return .boolean(true) }
            }
            return .boolean(false)
        case "upper", "lower", "title", "capitalize", "swapcase":
            try arguments.none(name)
            switch name {
            case "upper": return .string(PythonText.uppercased(text))
            case "lower": return .string(PythonText.lowercased(text))
            case "title": return .string(PythonText.titled(text))
            case "capitalize": return .string(PythonText.capitalized(text))
            default:
                return .string(text.unicodeScalars.map { $0.properties.isUppercase ? PythonText.lowercased($0) : $0.properties.isLowercase ? PythonText.uppercased($0) : String($0) }.joined())
            }
        case "replace":
            let bound = try arguments.bind(name, ["old", "new", "count"])
            guard case let .string(old)? = bound[0], case let .string(new)? = bound[1] else { throw .error("replace() arguments must be str") }
            return .string(TemplateStrings.replace(old, with: new, in: text, count: try integer(bound[2], default: -1)))
        case "find", "rfind", "index", "rindex":
            let bound = try arguments.bind(name, ["sub", "start", "end"])
            guard bound[1] == nil, bound[2] == nil else { throw .unsupported("\(name)() with start or end") }
            guard case let .string(needle)? = bound[0] else { throw .error("must be str") }
            guard let offset = TemplateStrings.find(needle, in: text, fromEnd: name.hasPrefix("r")) else {
                if name.hasSuffix("index") { throw .error("substring not found") }
                return .integer(-1)
            }
            return .integer(TemplateStrings.characterIndex(ofByte: offset, in: text))
        case "count":
            guard case let .string(needle)? = try arguments.bind(name, ["sub"])[0] else { throw .error("must be str") }
            return .integer(TemplateStrings.count(needle, in: text))
        case "join":
            guard let iterable = try arguments.bind(name, ["iterable"])[0] else { throw .error("join() takes exactly one argument (0 given)") }
            var parts: [String] = []
            for (position, item) in try iterable.iterated().enumerated() {
                guard case let .string(part) = item else {
                    throw .error("sequence item \(position): expected str instance, \(item.typeName) found")
                }
                parts.append(part)
            }
            return .string(parts.joined(separator: text))
        case "format":
            return .string(try TemplateStringFormat.format(text, arguments))
        case "removeprefix", "removesuffix":
            guard case let .string(affix)? = try arguments.bind(name, ["affix"])[0] else { throw .error("\(name)() argument must be str") }
            let scalars = Array(text.unicodeScalars), affixScalars = Array(affix.unicodeScalars)
            if name == "removeprefix", scalars.starts(with: affixScalars) { return .string(String(String.UnicodeScalarView(scalars.dropFirst(affixScalars.count)))) }
            if name == "removesuffix", !affixScalars.isEmpty, scalars.reversed().starts(with: affixScalars.reversed()) {
                return .string(String(String.UnicodeScalarView(scalars.dropLast(affixScalars.count))))
            }
            return .string(text)
        case "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "islower", "isupper":
            try arguments.none(name)
            return .boolean(classify(name, text))
        default:
            throw .unsupported("the string method '\(name)'")
        }
    }

    /// `str.isdigit()` and its kin.
    private static func classify(_ name: String, _ text: String) -> Bool {
        let scalars = text.unicodeScalars
        let isDecimal = { (scalar: Unicode.Scalar) in scalar.properties.numericType == .decimal }
        let isDigit = { (scalar: Unicode.Scalar) in isDecimal(scalar) || scalar.properties.numericType == .digit }
        let isAlpha = { (scalar: Unicode.Scalar) in
            [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter].contains(scalar.properties.generalCategory)
        }
        switch name {
        case "islower", "isupper":
            var cased = false
            for scalar in scalars {
                let properties = scalar.properties
                let wrongCase = name == "islower" ? properties.isUppercase || properties.generalCategory == .titlecaseLetter
                                                  : properties.isLowercase || properties.generalCategory == .titlecaseLetter
                if wrongCase { return false }
                if name == "islower" ? properties.isLowercase : properties.isUppercase { cased = true }
            }
            return cased
        default:
            guard !scalars.isEmpty else { return false }
            switch name {
            case "isdigit": return scalars.allSatisfy(isDigit)
            case "isdecimal": return scalars.allSatisfy(isDecimal)
            case "isnumeric": return scalars.allSatisfy { $0.properties.numericType != nil }
            case "isalpha": return scalars.allSatisfy(isAlpha)
            case "isalnum": return scalars.allSatisfy { isAlpha($0) || $0.properties.numericType != nil }
            default: return scalars.allSatisfy(PythonText.isWhitespace)
            }
        }
    }

    // MARK: list, tuple, dict, loop

    private static func callSequence(_ name: String, _ items: [TemplateValue], isList: Bool, _ arguments: TemplateCallArguments) throws(TemplateFault) -> TemplateValue {
        switch name {
        case "count":
            guard let element = try arguments.bind(name, ["value"])[0] else { throw .error("count() takes exactly one argument (0 given)") }
            return .integer(items.filter { $0.isEqual(to: element) }.count)
        case "index":
            guard let element = try arguments.bind(name, ["value"])[0] else { throw .error("index expected at least 1 argument, got 0") }
            guard let position = items.firstIndex(where: { $0.isEqual(to: element) }) else {
                throw .error("\(try element.representation()) is not in \(isList ? "list" : "tuple")")
            }
            return .integer(position)
        case "copy":
            try arguments.none(name)
            return .list(items)
        default:
            throw .unsupported("the list method '\(name)'")
        }
    }

    private static func callDictionary(_ name: String, _ dictionary: TemplateDictionary, _ arguments: TemplateCallArguments) throws(TemplateFault) -> TemplateValue {
        switch name {
        case "get":
            let bound = try arguments.bind(name, ["key", "default"])
            guard let key = bound[0] else { throw .error("get expected at least 1 argument, got 0") }
            guard TemplateKey(key) != nil else { throw .error("unhashable type: '\(key.typeName)'") }
            return dictionary[key] ?? bound[1] ?? .none
        case "items", "keys", "values":
            try arguments.none(name)
            let items: [TemplateValue] = name == "items" ? dictionary.pairs : name == "keys" ? dictionary.keys : dictionary.values
            return .iterator(TemplateIterator(items, typeName: "dict_" + name, isView: true))
        case "copy":
            try arguments.none(name)
            return .dictionary(dictionary)
        default:
            throw .unsupported("the dict method '\(name)'")
        }
    }

    private static func callLoop(_ name: String, _ loop: TemplateLoop, _ arguments: TemplateCallArguments) throws(TemplateFault) -> TemplateValue {
        guard arguments.keyword.isEmpty else { throw .error("loop.\(name)() takes no keyword arguments") }
        let values = arguments.positional
        if name == "cycle" {
            guard !values.isEmpty else { throw .error("no items for cycling given") }
            return values[loop.index0 % values.count]
        }
        if let last = loop.lastChanged, last.count == values.count, zip(last, values).allSatisfy({ $0.isEqual(to: $1) }) { return .boolean(false) }
        loop.lastChanged = values
        return .boolean(true)
    }
}

private extension TemplateValue {
    var isString: Bool {
        if case .string = self { return true }
        return false
    }

    var isTuple: Bool {
        if case .tuple = self { return true }
        return false
    }
}
