import Foundation

/// jinja2's built-in filters that chat templates use, with transformers' `tojson`. Filters that
/// jinja2 makes generators of (`map`, `select`, `reject`, `selectattr`, `rejectattr`, `unique`,
/// `items`, `batch`) give one-pass iterators as it does; `safe` and `escape` give `Markup`. Other
/// jinja2 filters (`format`, `groupby`, `truncate`, ...) are unsupported constructs; unknown names
/// are errors, as in jinja2.
extension TemplateRenderer {
    private static let otherJinjaFilters: Set = [
        "attr", "center", "filesizeformat", "format", "groupby", "pprint", "random", "slice", "striptags", "truncate", "urlencode",
        "urlize", "wordwrap", "xmlattr",
    ]

    func applyFilter(_ name: String, to value: TemplateValue, _ arguments: TemplateCallArguments) throws(TemplateFault) -> TemplateValue {
        switch name {
        case "length", "count":
            try arguments.none(name)
            return .integer(try value.length())
        case "string":
            try arguments.none(name)
            if case .markup = value { return value }
            return .string(try value.text())
        case "safe":
            try arguments.none(name)
            return .markup(try value.text())
        case "list":
            try arguments.none(name)
            return .list(try value.iterated())
        case "first", "last":
            try arguments.none(name)
            let item: TemplateValue?
            switch (name, value) {
            case let ("first", .iterator(iterator)): item = iterator.next()
            case let ("last", .iterator(iterator)) where !iterator.isView: throw .error("'\(value.typeName)' object is not reversible")
            default: item = name == "first" ? try value.iterated().first : try value.iterated().last
            }
            return item ?? .undefined(TemplateUndefined(reason: .message("No \(name) item, sequence was empty.")))
        case "default", "d":
            let bound = try arguments.bind(name, ["default_value", "boolean"])
            let useDefault = value.isUndefined || ((bound[1]?.isTruthy ?? false) && !value.isTruthy)
            return useDefault ? bound[0] ?? .string("") : value
        case "trim":
            let characters = try arguments.bind(name, ["chars"])[0]
            let set: String?
            switch characters {
            case nil, .none?: set = nil
            case let .string(text)?: set = text
            case let other?: throw .error("strip arg must be None or str, not \(other.typeName)")
            }
            return Self.keepingMarkup(value, TemplateStrings.strip(try value.text(), characters: set, leading: true, trailing: true))
        case "upper", "lower", "capitalize", "title":
            try arguments.none(name)
            let text = try value.text()
            switch name {
            case "upper": return Self.keepingMarkup(value, PythonText.uppercased(text))
            case "lower": return Self.keepingMarkup(value, PythonText.lowercased(text))
            case "capitalize": return Self.keepingMarkup(value, PythonText.capitalized(text))
            default: return Self.keepingMarkup(value, Self.titled(text))
            }
        case "replace":
            let bound = try arguments.bind(name, ["old", "new", "count"])
            guard let old = bound[0], let new = bound[1] else { throw .error("replace() missing required arguments 'old' and 'new'") }
            let count = try bound[2].map { (count) throws(TemplateFault) -> Int in
                guard let integer = count.integer else { throw .error("'\(count.typeName)' object cannot be interpreted as an integer") }
                return integer
            } ?? -1
            return .string(TemplateStrings.replace(try old.text(), with: try new.text(), in: try value.text(), count: count))
        case "join":
            let bound = try arguments.bind(name, ["d", "attribute"])
            var parts: [String] = []
            for item in try items(of: value, attribute: bound[1]) { parts.append(try item.text()) }
            return .string(parts.joined(separator: try bound[0]?.text() ?? ""))
        case "tojson":
            let bound = try arguments.bind(name, ["ensure_ascii", "indent", "separators", "sort_keys"])
            let encoder = try TemplateJSONEncoder(ensureASCII: bound[0], indent: bound[1], separators: bound[2], sortKeys: bound[3])
            return .string(try encoder.encode(value))
        case "items":
            try arguments.none(name)
            switch value {
            case .undefined: return .iterator(TemplateIterator([]))
            case let .dictionary(dictionary): return .iterator(TemplateIterator(dictionary.pairs))
            default: throw .error("Can only get item pairs from a mapping.")
            }
        case "map":
            return .iterator(TemplateIterator(try map(value, arguments)))
        case "select", "reject", "selectattr", "rejectattr":
            return .iterator(TemplateIterator(try select(value, arguments, keep: name.hasPrefix("select"), byAttribute: name.hasSuffix("attr"))))
        case "sort":
            let bound = try arguments.bind(name, ["reverse", "case_sensitive", "attribute"])
            let caseSensitive = bound[1]?.isTruthy ?? false
            return .list(try Self.sorted(try value.iterated(), reverse: bound[0]?.isTruthy ?? false) { (item) throws(TemplateFault) in
                try Self.comparable(try self.lookup(bound[2], in: item), caseSensitive: caseSensitive)
            })
        case "dictsort":
            let bound = try arguments.bind(name, ["case_sensitive", "by", "reverse"])
            guard case let .dictionary(dictionary) = try value.defined() else { throw .error("'\(value.typeName)' object has no attribute 'items'") }
            let by = try bound[1]?.text() ?? "key"
            guard by == "key" || by == "value" else { throw .error("You can only sort by either \"key\" or \"value\"") }
            let caseSensitive = bound[0]?.isTruthy ?? false
            return .list(try Self.sorted(dictionary.pairs, reverse: bound[2]?.isTruthy ?? false) { (pair) throws(TemplateFault) in
                guard case let .tuple(members) = pair else { return pair }
                return try Self.comparable(members[by == "key" ? 0 : 1], caseSensitive: caseSensitive)
            })
        case "unique":
            let bound = try arguments.bind(name, ["case_sensitive", "attribute"])
            var seen: Set<TemplateKey> = []
            var kept: [TemplateValue] = []
            for item in try value.iterated() {
                let key = try Self.comparable(try lookup(bound[1], in: item), caseSensitive: bound[0]?.isTruthy ?? false)
                guard let hashable = TemplateKey(key) else { throw .error("unhashable type: '\(key.typeName)'") }
                if seen.insert(hashable).inserted { kept.append(item) }
            }
            return .iterator(TemplateIterator(kept))
        case "min", "max":
            let bound = try arguments.bind(name, ["case_sensitive", "attribute"])
            let caseSensitive = bound[0]?.isTruthy ?? false
            var best: (item: TemplateValue, key: TemplateValue)?
            for item in try value.iterated() {
                let key = try Self.comparable(try lookup(bound[1], in: item), caseSensitive: caseSensitive)
                if let current = best {
                    let order = try key.compare(to: current.key)
                    if name == "min" ? order < 0 : order > 0 { best = (item, key) }
                } else {
                    best = (item, key)
                }
            }
            return best?.item ?? .undefined(TemplateUndefined(reason: .message("No aggregated item, sequence was empty.")))
        case "sum":
            let bound = try arguments.bind(name, ["attribute", "start"])
            var total = bound[1] ?? .integer(0)
            for item in try items(of: value, attribute: bound[0]) { total = try TemplateOperators.apply(.add, total, item) }
            return total
        case "reverse":
            try arguments.none(name)
            switch value {
            case let .string(text), let .markup(text):
                return Self.keepingMarkup(value, String(String.UnicodeScalarView(text.unicodeScalars.reversed())))
            case let .iterator(iterator) where !iterator.isView:
                return .list(try value.iterated().reversed())
            default:
                let kinds = ["list": "list_reverseiterator", "tuple": "reversed", "dict": "dict_reversekeyiterator", "Undefined": "reversed",
                             "dict_keys": "dict_reversekeyiterator", "dict_values": "dict_reversevalueiterator", "dict_items": "dict_reverseitemiterator"]
                guard let kind = kinds[value.typeName] else { throw .error("argument to reverse() must be a sequence") }
                return .iterator(TemplateIterator(try value.iterated().reversed(), typeName: kind))
            }
        case "batch":
            return .iterator(TemplateIterator(try batch(value, arguments)))
        case "abs":
            try arguments.none(name)
            switch try value.defined().plain.number {
            case let .integer(integer)?:
                guard integer != .min else { throw .unsupported("integers beyond 64 bits") }
                return .integer(abs(integer))
            case let .float(float)?: return .float(float.magnitude)
            case nil: throw .error("bad operand type for abs(): '\(value.typeName)'")
            }
        case "int":
            let bound = try arguments.bind(name, ["default", "base"])
            return try Self.integer(value, default: bound[0] ?? .integer(0), base: bound[1])
        case "float":
            let defaultValue = try arguments.bind(name, ["default"])[0] ?? .float(0)
            switch try value.defined().plain {
            case let .string(text): return Self.parseFloat(text).map(TemplateValue.float) ?? defaultValue
            case let other: return other.number.map { .float($0.double) } ?? defaultValue
            }
        case "round":
            let bound = try arguments.bind(name, ["precision", "method"])
            return try Self.round(value, precision: bound[0], method: try bound[1]?.text() ?? "common")
        case "indent":
            let bound = try arguments.bind(name, ["width", "first", "blank"])
            guard case let .string(text) = try value.defined().plain else { throw .error("can only concatenate str (not \"\(value.typeName)\") to str") }
            let indentation: String
            switch bound[0] {
            case nil: indentation = "    "
            case let .string(string)?: indentation = string
            case let width?:
                guard let count = width.integer else { throw .error("can't multiply sequence by non-int of type '\(width.typeName)'") }
                indentation = String(repeating: " ", count: max(count, 0))
            }
            return .string(Self.indented(text, indentation, first: bound[1]?.isTruthy ?? false, blank: bound[2]?.isTruthy ?? false))
        case "wordcount":
            try arguments.none(name)
            return .integer(Self.wordCount(try value.text()))
        case "escape", "e", "forceescape":
            try arguments.none(name)
            if case .markup = value, name != "forceescape" { return value }
            return .markup(TemplateHTML.escaped(try value.text()))
        default:
            if Self.otherJinjaFilters.contains(name) { throw .unsupported("the '\(name)' filter") }
            throw .error("No filter named '\(name)'.")
        }
    }

    /// `text` as the same kind of string as `original`: `Markup` methods give `Markup`.
    private static func keepingMarkup(_ original: TemplateValue, _ text: String) -> TemplateValue {
        if case .markup = original { return .markup(text) }
        return .string(text)
    }

    /// The items of `value`, or their `attribute` (as `map(attribute=...)` gives them).
    private func items(of value: TemplateValue, attribute: TemplateValue?) throws(TemplateFault) -> [TemplateValue] {
        let items = try value.iterated()
        guard attribute != nil else { return items }
        var looked: [TemplateValue] = []
        for item in items { looked.append(try lookup(attribute, in: item)) }
        return looked
    }

    /// jinja2's attribute getter: `item` itself without a path, else each part of a dotted path
    /// (digits as an index) looked up as an item first.
    func lookup(_ path: TemplateValue?, in item: TemplateValue) throws(TemplateFault) -> TemplateValue {
        switch path {
        case nil, .none?:
            return item
        case let .string(text)?:
            var value = item
            for part in text.split(separator: ".", omittingEmptySubsequences: false) {
                value = try self.item(Int(part).map(TemplateValue.integer) ?? .string(String(part)), of: value)
            }
            return value
        case let key?:
            return try self.item(key, of: item)
        }
    }

    private func map(_ value: TemplateValue, _ arguments: TemplateCallArguments) throws(TemplateFault) -> [TemplateValue] {
        guard value.isTruthy else { return [] }
        if arguments.positional.isEmpty, let attribute = arguments.keyword.first(where: { $0.name == "attribute" })?.value {
            let defaultValue = arguments.keyword.first(where: { $0.name == "default" })?.value
            if let extra = arguments.keyword.first(where: { $0.name != "attribute" && $0.name != "default" }) {
                throw .error("Unexpected keyword argument '\(extra.name)'")
            }
            var mapped: [TemplateValue] = []
            for item in try value.iterated() {
                let looked = try lookup(attribute, in: item)
                mapped.append(looked.isUndefined ? defaultValue ?? looked : looked)
            }
            return mapped
        }
        guard case let .string(filter)? = arguments.positional.first else { throw .error("map requires a filter argument") }
        let rest = TemplateCallArguments(positional: Array(arguments.positional.dropFirst()), keyword: arguments.keyword)
        var mapped: [TemplateValue] = []
        for item in try value.iterated() { mapped.append(try applyFilter(filter, to: item, rest)) }
        return mapped
    }

    /// `select(test, ...)`, `reject(...)`, `selectattr(attribute, test, ...)`, `rejectattr(...)`;
    /// without a test, an item's truth.
    private func select(_ value: TemplateValue, _ arguments: TemplateCallArguments, keep: Bool, byAttribute: Bool) throws(TemplateFault) -> [TemplateValue] {
        guard value.isTruthy else { return [] }
        var positional = arguments.positional[...]
        var attribute: TemplateValue?
        if byAttribute {
            guard let first = positional.popFirst() else { throw .error("Missing parameter for attribute name") }
            attribute = first
        }
        let test = try positional.popFirst().map { (name) throws(TemplateFault) in try name.text() }
        let rest = TemplateCallArguments(positional: Array(positional), keyword: arguments.keyword)
        var kept: [TemplateValue] = []
        for item in try value.iterated() {
            let subject = try lookup(attribute, in: item)
            let passes = try test.map { (name) throws(TemplateFault) in try applyTest(name, to: subject, rest) } ?? subject.isTruthy
            if passes == keep { kept.append(item) }
        }
        return kept
    }

    private func batch(_ value: TemplateValue, _ arguments: TemplateCallArguments) throws(TemplateFault) -> [TemplateValue] {
        let bound = try arguments.bind("batch", ["linecount", "fill_with"])
        guard let size = bound[0]?.integer, size > 0 else { throw .error("batch() needs a positive line count") }
        var batches: [TemplateValue] = []
        var current: [TemplateValue] = []
        for item in try value.iterated() {
            if current.count == size {
                batches.append(.list(current))
                current = []
            }
            current.append(item)
        }
        if !current.isEmpty {
            switch bound[1] {
            case nil, .none?: break
            case let fill?: current += Array(repeating: fill, count: size - current.count)
            }
            batches.append(.list(current))
        }
        return batches
    }

    // MARK: Helpers

    /// `value` for sorting: lowercased when it is a string and the sort ignores case.
    private static func comparable(_ value: TemplateValue, caseSensitive: Bool) throws(TemplateFault) -> TemplateValue {
        if !caseSensitive, case let .string(text) = value { return .string(PythonText.lowercased(text)) }
        return value
    }

    /// Python's stable `sorted(items, key=key, reverse=reverse)`.
    private static func sorted(_ items: [TemplateValue], reverse: Bool, key: (TemplateValue) throws(TemplateFault) -> TemplateValue) throws(TemplateFault) -> [TemplateValue] {
        var keys: [TemplateValue] = []
        for item in items { keys.append(try key(item)) }
        var failure: TemplateFault?
        let order = items.indices.sorted { a, b in
            do throws(TemplateFault) {
                let comparison = try keys[a].compare(to: keys[b])
                if comparison != 0 { return reverse ? comparison > 0 : comparison < 0 }
            } catch {
                failure = error
            }
            return a < b
        }
        if let failure { throw failure }
        return order.map { items[$0] }
    }

    /// jinja2's `title`: each word's first character uppercased and the rest lowercased, words
    /// starting after `-`, whitespace, `(`, `{`, `[` or `<`.
    private static func titled(_ text: String) -> String {
        var result = ""
        var atWordStart = true
        for scalar in text.unicodeScalars {
            if scalar == "-" || scalar == "(" || scalar == "{" || scalar == "[" || scalar == "<" || PythonText.isWhitespace(scalar) {
                result.unicodeScalars.append(scalar)
                atWordStart = true
            } else {
                result += atWordStart ? PythonText.uppercased(scalar) : PythonText.lowercased(scalar)
                atWordStart = false
            }
        }
        return result
    }

    /// jinja2's `int`: a string read in `base` (else as a float, truncated), a number truncated,
    /// anything else the default.
    private static func integer(_ value: TemplateValue, default defaultValue: TemplateValue, base: TemplateValue?) throws(TemplateFault) -> TemplateValue {
        switch try value.defined().plain {
        case let .string(text):
            if let parsed = parseInteger(text, base: base?.integer ?? 10) { return .integer(parsed) }
            guard let float = parseFloat(text), float.isFinite, let integer = Int(exactly: float.rounded(.towardZero)) else { return defaultValue }
            return .integer(integer)
        case let other:
            switch other.number {
            case let .integer(integer)?: return .integer(integer)
            case let .float(float)?:
                guard float.isFinite, let integer = Int(exactly: float.rounded(.towardZero)) else { return defaultValue }
                return .integer(integer)
            case nil: return defaultValue
            }
        }
    }

    /// Python's `int(text, base)`: surrounding whitespace, a sign, `_` between digits, and the
    /// base's prefix (`0x`, `0o`, `0b`; any of them with base 0).
    private static func parseInteger(_ text: String, base: Int) -> Int? {
        var digits = Substring(TemplateStrings.strip(text, characters: nil, leading: true, trailing: true))
        let negative = digits.hasPrefix("-")
        if negative || digits.hasPrefix("+") { digits = digits.dropFirst() }
        let prefixes = ["0x": 16, "0o": 8, "0b": 2]
        var radix = base
        if let prefix = prefixes.first(where: { digits.lowercased().hasPrefix($0.key) && (base == 0 || base == $0.value) }) {
            radix = prefix.value
            digits = digits.dropFirst(2)
        } else if radix == 0 {
            radix = 10
        }
        guard (2...36).contains(radix), !digits.hasPrefix("_"), !digits.hasSuffix("_"), !digits.contains("__"),
              let magnitude = Int(digits.replacingOccurrences(of: "_", with: ""), radix: radix), !digits.hasPrefix("+") else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Python's `float(text)`: surrounding whitespace allowed, `inf` and `nan` spelled any case.
    private static func parseFloat(_ text: String) -> Double? {
        let trimmed = TemplateStrings.strip(text, characters: nil, leading: true, trailing: true)
        let lowered = trimmed.lowercased()
        let sign: Double = lowered.hasPrefix("-") ? -1 : 1
        let unsigned = lowered.hasPrefix("-") || lowered.hasPrefix("+") ? String(lowered.dropFirst()) : lowered
        if unsigned == "inf" || unsigned == "infinity" { return sign * .infinity }
        if unsigned == "nan" { return .nan }
        guard unsigned.first.map({ $0.isNumber || $0 == "." }) ?? false, !lowered.contains("x"), !trimmed.contains("__") else { return nil }
        return Double(trimmed.replacingOccurrences(of: "_", with: ""))
    }

    /// jinja2's `round`: Python's `round(value, precision)` (half to even on the exact decimal
    /// value), or `ceil` / `floor` at that precision.
    private static func round(_ value: TemplateValue, precision: TemplateValue?, method: String) throws(TemplateFault) -> TemplateValue {
        guard ["common", "ceil", "floor"].contains(method) else { throw .error("method must be common, ceil or floor") }
        let digits = precision?.integer ?? 0
        guard digits >= 0 else { throw .unsupported("round with a negative precision") }
        guard let number = try value.defined().number else { throw .error("type \(value.typeName) doesn't define __round__ method") }
        if method == "common" {
            if case let .integer(integer) = number { return .integer(integer) }
            let rounded = String(format: "%.\(digits)f", number.double)
            return .float(Double(rounded) ?? number.double)
        }
        let scale = pow(10, Double(digits))
        let scaled = number.double * scale
        return .float((method == "ceil" ? scaled.rounded(.up) : scaled.rounded(.down)) / scale)
    }

    /// jinja2's `indent`: every line but the first (and with `first` that one too) prefixed,
    /// blank lines only with `blank`.
    private static func indented(_ text: String, _ indentation: String, first: Bool, blank: Bool) -> String {
        let lines = TemplateStrings.splitLines(text + "\n")
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.first ?? ""
            let rest = lines.dropFirst()
            if !rest.isEmpty { result += "\n" + rest.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n") }
        }
        return first ? indentation + result : result
    }

    /// The number of `\w+` runs.
    private static func wordCount(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            let isWordCharacter = scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            if isWordCharacter && !inWord { count += 1 }
            inWord = isWordCharacter
        }
        return count
    }
}
