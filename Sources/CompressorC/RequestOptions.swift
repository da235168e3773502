import LLMCompressor

/// The options object of one C ABI call, read key by key with the kind each key must have.
/// Unknown keys are refused, so that a misspelt option is an error rather than ignored; `null`
/// means "not given", as an absent key does.
struct RequestOptions {
    private let object: JSONObject
    private let call: String

    /// Parses `text` (UTF-8 JSON) as the options of `call`, which knows `keys`.
    init(_ text: UnsafePointer<CChar>?, call: String, keys: Set<String>) throws(CABIError) {
        self.call = call
        guard let text else { throw .badOptions("\(call): the options are a null pointer; pass a JSON object") }
        let value: JSONValue
        do { value = try JSONParser.parse(String(cString: text)) } catch {
            throw .badOptions("\(call): the options are not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw .badOptions("\(call): the options must be a JSON object, got \(value.kindName)")
        }
        if let unknown = object.keys.first(where: { !keys.contains($0) }) {
            throw .badOptions("\(call): unknown option '\(unknown)' (known: \(keys.sorted().joined(separator: ", ")))")
        }
        self.object = object
    }

    /// The value of `key`, nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(CABIError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw wrongKind(key, value, expected: "a string") }
        return string
    }

    func requiredString(_ key: String) throws(CABIError) -> String {
        guard let string = try string(key) else { throw .badOptions("\(call): the option '\(key)' is required") }
        return string
    }

    /// One of `Choice`'s raw values, named in the error when it is none of them.
    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, of _: Choice.Type) throws(CABIError) -> Choice?
    where Choice.RawValue == String {
        guard let name = try string(key) else { return nil }
        guard let choice = Choice(rawValue: name) else {
            let names = Choice.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")
            throw .badOptions("\(call): the option '\(key)' must be \(names), got '\(name)'")
        }
        return choice
    }

    /// An integer of at least `minimum`.
    func integer(_ key: String, minimum: Int) throws(CABIError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let integer = value.integerValue else { throw wrongKind(key, value, expected: "an integer") }
        guard integer >= minimum else { throw .badOptions("\(call): the option '\(key)' must be at least \(minimum), got \(integer)") }
        return Int(integer)
    }

    /// A finite number of at least zero.
    func nonNegativeNumber(_ key: String) throws(CABIError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.numberValue else { throw wrongKind(key, value, expected: "a number") }
        guard number >= 0, number.isFinite else { throw .badOptions("\(call): the option '\(key)' must be a non-negative number, got \(number)") }
        return number
    }

    func bool(_ key: String) throws(CABIError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.boolValue else { throw wrongKind(key, value, expected: "true or false") }
        return bool
    }

    /// The error for `key` holding `value`, which is not of the `expected` kind.
    func wrongKind(_ key: String, _ value: JSONValue, expected: String) -> CABIError {
        .badOptions("\(call): the option '\(key)' must be \(expected), got \(value.kindName)")
    }
}
