/// The evaluated arguments of a call, a filter or a test.
struct TemplateCallArguments {
    var positional: [TemplateValue] = []
    var keyword: [(name: String, value: TemplateValue)] = []

    /// The arguments matched to `parameters` as Python matches them (positionally, then by
    /// name), nil for those not given.
    /// - Throws: for more arguments than parameters, an unknown name or a parameter given twice.
    func bind(_ function: String, _ parameters: [String]) throws(TemplateFault) -> [TemplateValue?] {
        guard positional.count <= parameters.count else {
            throw .error("\(function)() takes at most \(parameters.count) argument(s) (\(positional.count) given)")
        }
        var bound: [TemplateValue?] = positional + Array(repeating: nil, count: parameters.count - positional.count)
        for (name, value) in keyword {
            guard let index = parameters.firstIndex(of: name) else { throw .error("\(function)() got an unexpected keyword argument '\(name)'") }
            guard bound[index] == nil else { throw .error("\(function)() got multiple values for argument '\(name)'") }
            bound[index] = value
        }
        return bound
    }

    /// The arguments with `Markup` strings as plain strings.
    var plain: TemplateCallArguments {
        TemplateCallArguments(positional: positional.map(\.plain), keyword: keyword.map { ($0.name, $0.value.plain) })
    }

    /// Fails unless there are no arguments.
    func none(_ function: String) throws(TemplateFault) {
        _ = try bind(function, [])
    }
}

extension TemplateRenderer {
    func evaluate(_ arguments: TemplateArguments, in scope: TemplateScope) throws(TemplateFault) -> TemplateCallArguments {
        var evaluated = TemplateCallArguments()
        for argument in arguments.positional { evaluated.positional.append(try evaluate(argument, in: scope)) }
        for (name, argument) in arguments.keyword { evaluated.keyword.append((name, try evaluate(argument, in: scope))) }
        return evaluated
    }
}
