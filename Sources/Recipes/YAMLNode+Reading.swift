import JSON

/// Typed reads of YAML values that fail with `RecipeError.wrongType` naming the key and the node.
extension YAMLNode {
    func string(for key: String) throws(RecipeError) -> String {
        guard let text = stringValue else { throw wrongType(key, "a string") }
        return text
    }

    package func optionalString(for key: String) throws(RecipeError) -> String? {
        isNull ? nil : try string(for: key)
    }

    func bool(for key: String) throws(RecipeError) -> Bool {
        guard let value = boolValue else { throw wrongType(key, "true or false") }
        return value
    }

    /// An integer; one too large for 64 bits is out of range, and the message gives `range`, the
    /// values `key` takes (by default every 64-bit integer).
    func int(for key: String, range: String = "\(Int.min) to \(Int.max)") throws(RecipeError) -> Int {
        if case let .scalar(text, .integer) = value, intValue == nil {
            throw .outOfRange(position, key: key, value: text, expected: "out of range (\(range))")
        }
        guard let value = intValue else { throw wrongType(key, "an integer") }
        return value
    }

    func optionalInt(for key: String) throws(RecipeError) -> Int? {
        isNull ? nil : try int(for: key)
    }

    func number(for key: String) throws(RecipeError) -> Double {
        guard let value = doubleValue else { throw wrongType(key, "a number") }
        return value
    }

    func optionalNumber(for key: String) throws(RecipeError) -> Double? {
        isNull ? nil : try number(for: key)
    }

    /// A list of strings (`[a, b]`).
    func stringList(for key: String) throws(RecipeError) -> [String] {
        guard let items = sequenceItems else { throw wrongType(key, "a list of strings") }
        var result: [String] = []
        for item in items {
            guard let text = item.stringValue else {
                throw RecipeError.wrongType(item.position, key: key, expected: "a list of strings",
                                            found: "a list holding \(item.summary)")
            }
            result.append(text)
        }
        return result
    }

    /// A string or a list of strings; a single string becomes a one-element list.
    func stringOrList(for key: String) throws(RecipeError) -> [String] {
        if let text = stringValue { return [text] }
        guard sequenceItems != nil else { throw wrongType(key, "a string or a list of strings") }
        return try stringList(for: key)
    }

    /// A list of module names, class names or `re:` patterns (`targets`, `ignore`, mapping layers);
    /// every `re:` pattern is compiled so a bad one is reported at its item.
    package func patternList(for key: String) throws(RecipeError) -> [String] {
        let patterns = try stringList(for: key)
        try validatePatterns(patterns)
        return patterns
    }

    /// A module name, class name or `re:` pattern (compiled, so a bad one is reported here).
    func pattern(for key: String) throws(RecipeError) -> String {
        let text = try string(for: key)
        try validatePatterns([text])
        return text
    }

    /// Compiles every `re:` pattern of `patterns`, which were read from this node (a string or a
    /// list of strings), so a bad one is reported at its item.
    func validatePatterns(_ patterns: [String]) throws(RecipeError) {
        let items = sequenceItems
        for (i, pattern) in patterns.enumerated() where pattern.hasPrefix("re:") {
            do {
                _ = try PythonRegex(String(pattern.dropFirst(3)))
            } catch {
                let at = (items.flatMap { i < $0.count ? $0[i] : nil } ?? self).position
                throw .invalidPattern(at, pattern: pattern, message: error.message)
            }
        }
    }

    package func mapping(for key: String) throws(RecipeError) -> [(key: YAMLNode, value: YAMLNode)] {
        guard let entries = mappingEntries else { throw wrongType(key, "a mapping") }
        return entries
    }

    func wrongType(_ key: String, _ expected: String) -> RecipeError {
        .wrongType(position, key: key, expected: expected, found: summary)
    }

    /// The value as JSON (for `observer_kwargs`): mappings need string keys.
    func jsonValue(for key: String) throws(RecipeError) -> JSONValue {
        switch value {
        case let .scalar(text, kind):
            switch kind {
            case .string: return .string(text)
            case .null: return .null
            case .bool: return .bool(boolValue ?? false)
            case .integer:
                guard let i = intValue else { throw wrongType(key, "an integer that fits in 64 bits") }
                return .integer(Int64(i))
            case .float: return .double(doubleValue ?? 0)
            }
        case let .sequence(items):
            var result: [JSONValue] = []
            for item in items { result.append(try item.jsonValue(for: key)) }
            return .array(result)
        case let .mapping(entries):
            var object = JSONObject()
            for (k, v) in entries {
                guard let name = k.stringValue else { throw k.wrongType(key, "a mapping with string keys") }
                object[name] = try v.jsonValue(for: key)
            }
            return .object(object)
        }
    }
}

/// Entries of a mapping whose keys must be strings.
package func stringKeyed(_ entries: [(key: YAMLNode, value: YAMLNode)], context: String) throws(RecipeError)
    -> [(name: String, keyNode: YAMLNode, value: YAMLNode)] {
    var result: [(name: String, keyNode: YAMLNode, value: YAMLNode)] = []
    for (key, value) in entries {
        guard let name = key.scalarText, key.sequenceItems == nil else {
            throw RecipeError.wrongType(key.position, key: context, expected: "a mapping with string keys", found: "a key that is \(key.summary)")
        }
        result.append((name, key, value))
    }
    return result
}
