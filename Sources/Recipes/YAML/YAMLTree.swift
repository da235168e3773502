import Yams

/// A YAML node with its source position, made from Yams' representation tree with aliases
/// expanded, merge keys (`<<`) applied and duplicate keys refused. Everything after parsing
/// works on this tree, so every error can name the node it is about.
package struct YAMLNode {
    enum Kind: Equatable {
        /// A scalar resolved by the YAML 1.1 rules Yams applies (quoted scalars are strings).
        case string, integer, float, bool, null
    }

    indirect enum Value {
        case scalar(String, Kind)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    var value: Value
    package var position: SourcePosition
    /// A sequence's explicit tag (such as `tag:yaml.org,2002:python/object/apply:torch.device`, as
    /// PyYAML writes Python objects), nil for plain lists and for scalars and mappings.
    var tag: String? = nil

    /// The scalar text when this is a scalar.
    var scalarText: String? {
        if case let .scalar(text, _) = value { return text }
        return nil
    }

    /// The text of a scalar resolved as a string (quoted, or plain text that is no number,
    /// boolean or null).
    var stringValue: String? {
        if case let .scalar(text, .string) = value { return text }
        return nil
    }

    /// The value of a scalar resolved as an integer (decimal, 0x, 0o, 0b, underscores).
    var intValue: Int? {
        if case let .scalar(text, .integer) = value { return Int.construct(from: Node.Scalar(text)) }
        return nil
    }

    /// The value of a scalar resolved as a boolean (YAML 1.1: true/false, yes/no, on/off).
    var boolValue: Bool? {
        if case let .scalar(text, .bool) = value { return Bool.construct(from: Node.Scalar(text)) }
        return nil
    }

    /// The value of a scalar resolved as an integer or a float.
    var doubleValue: Double? {
        switch value {
        case let .scalar(text, .float): return Double.construct(from: Node.Scalar(text))
        case .scalar(_, .integer): return intValue.map(Double.init)
        default: return nil
        }
    }

    package var isNull: Bool {
        if case .scalar(_, .null) = value { return true }
        return false
    }

    var mappingEntries: [(key: YAMLNode, value: YAMLNode)]? {
        if case let .mapping(entries) = value { return entries }
        return nil
    }

    package var sequenceItems: [YAMLNode]? {
        if case let .sequence(items) = value { return items }
        return nil
    }

    /// A short description of the value for "found ..." in error messages.
    var summary: String {
        switch value {
        case let .scalar(text, kind):
            let shown = text.count > 40 ? String(text.prefix(37)) + "..." : text
            switch kind {
            case .string: return "the string '\(shown)'"
            case .integer: return "the integer \(shown)"
            case .float: return "the number \(shown)"
            case .bool: return "the boolean \(shown)"
            case .null: return "null"
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// Turns Yams nodes into `YAMLNode`s, counting every node it makes (an alias counts again each
/// time it is used) so that an alias expansion bomb stops at `nodeLimit`.
struct YAMLTreeBuilder {
    let file: String
    let nodeLimit: Int
    private(set) var nodeCount = 0

    init(file: String, nodeLimit: Int) {
        self.file = file
        self.nodeLimit = nodeLimit
    }

    func position(_ mark: Mark?) -> SourcePosition {
        SourcePosition(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func build(_ node: Node) throws(RecipeError) -> YAMLNode {
        nodeCount += 1
        let here = position(node.mark)
        if nodeCount > nodeLimit { throw .tooManyNodes(here, limit: nodeLimit) }
        switch node {
        case let .scalar(scalar):
            return YAMLNode(value: .scalar(scalar.string, Self.kind(of: node)), position: here)
        case let .sequence(sequence):
            var items: [YAMLNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try build(item)) }
            let tag = sequence.tag == Tag(.seq) ? nil : sequence.tag.description
            return YAMLNode(value: .sequence(items), position: here, tag: tag)
        case let .mapping(mapping):
            var entries: [(key: YAMLNode, value: YAMLNode)] = []
            var merged: [(key: YAMLNode, value: YAMLNode)] = []
            var firstPositions: [String: SourcePosition] = [:]
            for (key, value) in mapping {
                if case .scalar = key, key.tag == Tag(.merge) {
                    merged.append(contentsOf: try mergeSources(value))
                    continue
                }
                let builtKey = try build(key)
                let builtValue = try build(value)
                if let text = builtKey.scalarText {
                    if let first = firstPositions.updateValue(builtKey.position, forKey: text) {
                        throw .duplicateKey(builtKey.position, key: text, first: first)
                    }
                }
                entries.append((builtKey, builtValue))
            }
            // Explicit keys win over merged ones; among merged sources the first one wins.
            var present = Set(entries.map(\.key.scalarText))
            for entry in merged where present.insert(entry.key.scalarText).inserted {
                entries.append(entry)
            }
            return YAMLNode(value: .mapping(entries), position: here)
        }
    }

    /// The entries a merge key (`<<: *a` or `<<: [*a, *b]`) brings in.
    private mutating func mergeSources(_ value: Node) throws(RecipeError) -> [(key: YAMLNode, value: YAMLNode)] {
        let sources: [Node]
        switch value {
        case .mapping: sources = [value]
        case let .sequence(sequence): sources = Array(sequence)
        case .scalar:
            let built = try build(value)
            throw .wrongType(built.position, key: "<<", expected: "a mapping or a list of mappings", found: built.summary)
        }
        var result: [(key: YAMLNode, value: YAMLNode)] = []
        var present = Set<String?>()
        for source in sources {
            let built = try build(source)
            guard let entries = built.mappingEntries else {
                throw .wrongType(built.position, key: "<<", expected: "a mapping", found: built.summary)
            }
            for entry in entries where present.insert(entry.key.scalarText).inserted {
                result.append(entry)
            }
        }
        return result
    }

    private static func kind(of node: Node) -> YAMLNode.Kind {
        switch node.tag {
        case Tag(.int): return .integer
        case Tag(.float): return .float
        case Tag(.bool): return .bool
        case Tag(.null): return .null
        default: return .string
        }
    }
}
