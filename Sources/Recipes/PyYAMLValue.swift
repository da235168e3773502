import JSON

/// What `PyYAMLEmitter` writes: the Python values of a modifier's `model_dump()`. JSON-like values,
/// plus tuples, which PyYAML's (non-safe) dumper writes as sequences tagged `!!python/tuple`
/// (llm-compressor's inferred SmoothQuant mappings are named tuples).
indirect enum PyYAMLValue {
    /// null, a boolean, a number or a string.
    case scalar(JSONValue)
    /// A list, or a tuple when `tag` is "!!python/tuple".
    case sequence([PyYAMLValue], tag: String?)
    /// A dict, in insertion order.
    case mapping([(key: String, value: PyYAMLValue)])

    /// The JSON value as the same Python dict, list or scalar.
    init(_ json: JSONValue) {
        switch json {
        case let .array(items): self = .sequence(items.map(PyYAMLValue.init), tag: nil)
        case let .object(object): self = .mapping(object.members.map { ($0.key, PyYAMLValue($0.value)) })
        default: self = .scalar(json)
        }
    }

    static func tuple(_ items: [PyYAMLValue]) -> PyYAMLValue { .sequence(items, tag: "!!python/tuple") }

    static func string(_ text: String) -> PyYAMLValue { .scalar(.string(text)) }

    static func strings(_ texts: [String]) -> PyYAMLValue { .sequence(texts.map(string), tag: nil) }

    var isScalar: Bool {
        if case .scalar = self { return true }
        return false
    }
}
