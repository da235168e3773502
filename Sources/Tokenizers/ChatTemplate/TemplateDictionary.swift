/// A Python `dict`: members in insertion order, keys compared as Python compares them (`1`,
/// `1.0` and `True` are one key; strings by code points).
struct TemplateDictionary {
    private(set) var keys: [TemplateValue] = []
    private(set) var values: [TemplateValue] = []
    /// Positions by key, kept once the dictionary is too large for a linear search.
    private var positions: [TemplateKey: Int] = [:]
    private static let linearSearchLimit = 8

    init() {}

    /// An empty dictionary with room for `capacity` members before it grows.
    init(minimumCapacity capacity: Int) {
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    var count: Int { keys.count }

    var members: Zip2Sequence<[TemplateValue], [TemplateValue]> { zip(keys, values) }

    /// The members as `(key, value)` tuples, as `items()` gives them.
    var pairs: [TemplateValue] { members.map { .tuple([$0, $1]) } }

    /// The value of `key`, or nil when the dictionary has no such key (or `key` cannot be one).
    subscript(key: TemplateValue) -> TemplateValue? {
        guard let key = TemplateKey(key), let position = position(of: key) else { return nil }
        return values[position]
    }

    /// The value of a string key.
    subscript(key: String) -> TemplateValue? {
        guard let position = position(of: TemplateKey(storage: .string(key))) else { return nil }
        return values[position]
    }

    /// Sets `key` to `value`: a new key goes last, an existing one keeps its place.
    mutating func set(_ value: TemplateValue, for key: TemplateValue) throws(TemplateFault) {
        guard let hashable = TemplateKey(key) else { throw .error("unhashable type: '\(key.typeName)'") }
        if let position = position(of: hashable) {
            values[position] = value
            return
        }
        keys.append(key)
        values.append(value)
        if !positions.isEmpty {
            positions[hashable] = keys.count - 1
        } else if keys.count > Self.linearSearchLimit {
            for (position, key) in keys.enumerated() { if let hashable = TemplateKey(key) { positions[hashable] = position } }
        }
    }

    /// Sets a string key.
    mutating func set(_ value: TemplateValue, for key: String) {
        try? set(value, for: .string(key))
    }

    private func position(of key: TemplateKey) -> Int? {
        if !positions.isEmpty { return positions[key] }
        return keys.firstIndex { TemplateKey($0) == key }
    }

    /// Python's `==` of dicts: the same keys with equal values, in any order.
    func isEqual(to other: TemplateDictionary) -> Bool {
        count == other.count && members.allSatisfy { key, value in other[key].map { $0.isEqual(to: value) } ?? false }
    }
}

/// A dictionary key with Python's hashing: `bool` and integral `float` keys are the `int` of
/// the same value, strings compare by their code points.
struct TemplateKey: Hashable {
    enum Storage {
        case none
        case integer(Int)
        case float(Double)
        case string(String)
    }

    var storage: Storage

    init(storage: Storage) {
        self.storage = storage
    }

    /// The key of `value`, or nil for an unhashable value (a list, a dict, ...).
    init?(_ value: TemplateValue) {
        switch value {
        case .none: storage = .none
        case let .boolean(value): storage = .integer(value ? 1 : 0)
        case let .integer(value): storage = .integer(value)
        case let .float(value):
            if value.rounded() == value, let integer = Int(exactly: value) { storage = .integer(integer) } else { storage = .float(value) }
        case let .string(value), let .markup(value): storage = .string(value)
        default: return nil
        }
    }

    static func == (left: TemplateKey, right: TemplateKey) -> Bool {
        switch (left.storage, right.storage) {
        case (.none, .none): return true
        case let (.integer(a), .integer(b)): return a == b
        case let (.float(a), .float(b)): return a == b
        case let (.string(a), .string(b)): return TemplateValue.sameCodePoints(a, b)
        default: return false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch storage {
        case .none: hasher.combine(0)
        case let .integer(value): hasher.combine(value)
        case let .float(value): hasher.combine(value)
        case let .string(value): for byte in value.utf8 { hasher.combine(byte) }
        }
    }
}
