/// The global functions of transformers' environment: jinja2's `range`, `dict`, `namespace`
/// (and `lipsum`, `cycler`, `joiner`, which are not supported), and transformers'
/// `raise_exception` and `strftime_now`. A variable of the same name hides them.
enum TemplateGlobals {
    private static let names: Set = ["range", "dict", "namespace", "raise_exception", "strftime_now", "lipsum", "cycler", "joiner"]
    /// jinja2's sandbox refuses longer ranges.
    private static let maximumRange = 100_000

    static func function(named name: String) -> TemplateValue? {
        names.contains(name) ? .function(TemplateFunction(receiver: nil, name: name)) : nil
    }

    static func call(_ name: String, _ arguments: TemplateCallArguments, clock: TemplateClock) throws(TemplateFault) -> TemplateValue {
        switch name {
        case "range":
            return .list(try range(arguments))
        case "dict", "namespace":
            var members = TemplateDictionary()
            guard arguments.positional.count <= 1 else { throw .error("\(name) expected at most 1 argument, got \(arguments.positional.count)") }
            if let initial = arguments.positional.first {
                switch initial {
                case let .dictionary(dictionary): members = dictionary
                default:
                    for pair in try initial.iterated() {
                        let items = try pair.iterated()
                        guard items.count == 2 else { throw .error("dictionary update sequence element has length \(items.count); 2 is required") }
                        try members.set(items[1], for: items[0])
                    }
                }
            }
            for (key, value) in arguments.keyword { members.set(value, for: key) }
            return name == "dict" ? .dictionary(members) : .namespace(TemplateNamespace(members))
        case "raise_exception":
            let message = try arguments.bind(name, ["message"])[0] ?? .undefined(.name("message"))
            throw .error("the template raised an error: \(try message.text())")
        case "strftime_now":
            guard case let .string(format)? = try arguments.bind(name, ["format"])[0] else { throw .error("strftime() argument 1 must be str") }
            return .string(try clock.format(format))
        default:
            throw .unsupported("the global function '\(name)'")
        }
    }

    /// Python's `range(stop)`, `range(start, stop[, step])`.
    private static func range(_ arguments: TemplateCallArguments) throws(TemplateFault) -> [TemplateValue] {
        guard arguments.keyword.isEmpty else { throw .error("range() takes no keyword arguments") }
        var bounds: [Int] = []
        for argument in arguments.positional {
            guard let bound = try argument.defined().integer else { throw .error("'\(argument.typeName)' object cannot be interpreted as an integer") }
            bounds.append(bound)
        }
        let (start, stop, step): (Int, Int, Int)
        switch bounds.count {
        case 1: (start, stop, step) = (0, bounds[0], 1)
        case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
        case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
        default: throw .error("range expected 1 to 3 arguments, got \(bounds.count)")
        }
        guard step != 0 else { throw .error("range() arg 3 must not be zero") }
        let values = Array(stride(from: start, to: stop, by: step).prefix(maximumRange + 1))
        guard values.count <= maximumRange else { throw .error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (\(maximumRange)).") }
        return values.map(TemplateValue.integer)
    }
}
