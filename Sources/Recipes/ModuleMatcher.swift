/// llm-compressor's (compressed-tensors') targets/ignore matching. An entry matches a module when
/// it equals the module's name, equals its class name (or any class it inherits from, when the
/// caller passes them), or is `re:PATTERN` and the pattern matches the name from its start
/// (Python `re.match`: anchored at the start only, so `re:.*lm_head` matches `lm_head` and
/// `model.lm_head`, and `re:mlp` does not match `model.layers.0.mlp.up_proj`).
public struct ModuleMatcher: Sendable {
    public let targets: [String]
    public let ignore: [String]
    private let targetEntries: [Entry]
    private let ignoreEntries: [Entry]

    private enum Entry: Sendable {
        case exact(String)
        case regex(PythonRegex)
        /// A `re:` pattern that does not compile: it matches nothing (the recipe parser has
        /// already refused such patterns).
        case never
    }

    public init(targets: [String], ignore: [String]) {
        self.targets = targets
        self.ignore = ignore
        targetEntries = targets.map(Self.entry)
        ignoreEntries = ignore.map(Self.entry)
    }

    /// Whether the module is targeted and not ignored.
    public func matches(moduleName: String, className: String) -> Bool {
        matches(moduleName: moduleName, classNames: [className])
    }

    /// Whether the module matches an ignore entry.
    public func isIgnored(moduleName: String, className: String) -> Bool {
        isIgnored(moduleName: moduleName, classNames: [className])
    }

    /// As `matches(moduleName:className:)`, with the class and its superclasses (Python's MRO):
    /// a target "Linear" matches any module whose class or superclass is named "Linear".
    public func matches(moduleName: String, classNames: [String]) -> Bool {
        Self.any(targetEntries, moduleName, classNames) && !Self.any(ignoreEntries, moduleName, classNames)
    }

    public func isIgnored(moduleName: String, classNames: [String]) -> Bool {
        Self.any(ignoreEntries, moduleName, classNames)
    }

    /// The targets that match the module, most specific first as compressed-tensors' `match_targets`
    /// orders them: exact names, then `re:` patterns (each group sorted), then class names.
    public func matchingTargets(moduleName: String, classNames: [String]) -> [String] {
        let sorted = zip(targets, targetEntries).sorted { a, b in
            let ra = a.0.contains("re:"), rb = b.0.contains("re:")
            return ra != rb ? !ra : a.0 < b.0
        }
        var result: [String] = []
        for (target, entry) in sorted where Self.nameMatches(entry, moduleName) { result.append(target) }
        for (target, entry) in sorted where !result.contains(target) {
            if case let .exact(name) = entry, classNames.contains(name) { result.append(target) }
        }
        return result
    }

    private static func entry(_ text: String) -> Entry {
        guard text.hasPrefix("re:") else { return .exact(text) }
        guard let regex = try? PythonRegex(String(text.dropFirst(3))) else { return .never }
        return .regex(regex)
    }

    private static func nameMatches(_ entry: Entry, _ name: String) -> Bool {
        switch entry {
        case let .exact(text): return text == name
        case let .regex(regex): return regex.matchesAtStart(name)
        case .never: return false
        }
    }

    private static func any(_ entries: [Entry], _ name: String, _ classNames: [String]) -> Bool {
        entries.contains { entry in
            if nameMatches(entry, name) { return true }
            if case let .exact(text) = entry { return classNames.contains(text) }
            return false
        }
    }
}
