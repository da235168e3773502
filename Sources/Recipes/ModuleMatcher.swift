/// llm-compressor's (compressed-tensors') targets/ignore matching. An entry matches a module when
/// it equals the module's name, equals its class name (or any class it inherits from, when the
/// caller passes them), or is `re:PATTERN` and the pattern matches the name from its start
/// (Python `re.match`: anchored at the start only, so `re:.*lm_head` matches `lm_head` and
/// `model.lm_head`, and `re:mlp` does not match `model.layers.0.mlp.up_proj`).
///
/// Matching throws `RecipeError.patternTooSlow`, at `source`, when a pattern runs out of its step
/// budget on a module name (see `PythonRegex`).
public struct ModuleMatcher: Sendable {
    public let targets: [String]
    public let ignore: [String]
    /// Where the patterns were written: the recipe modifier, or the config.json they come from.
    public let source: SourcePosition
    private let targetEntries: [Entry]
    private let ignoreEntries: [Entry]

    private enum Entry: Sendable {
        case exact(String)
        /// A `re:` pattern, as written and compiled.
        case regex(String, PythonRegex)
        /// A `re:` pattern that does not compile: it matches nothing (the recipe parser has
        /// already refused such patterns).
        case never
    }

    public init(targets: [String], ignore: [String], source: SourcePosition) {
        self.targets = targets
        self.ignore = ignore
        self.source = source
        targetEntries = targets.map(Self.entry)
        ignoreEntries = ignore.map(Self.entry)
    }

    /// Whether the module is targeted and not ignored.
    public func matches(moduleName: String, className: String) throws(RecipeError) -> Bool {
        try matches(moduleName: moduleName, classNames: [className])
    }

    /// Whether the module matches an ignore entry.
    public func isIgnored(moduleName: String, className: String) throws(RecipeError) -> Bool {
        try isIgnored(moduleName: moduleName, classNames: [className])
    }

    /// As `matches(moduleName:className:)`, with the class and its superclasses (Python's MRO):
    /// a target "Linear" matches any module whose class or superclass is named "Linear".
    public func matches(moduleName: String, classNames: [String]) throws(RecipeError) -> Bool {
        guard try any(targetEntries, moduleName, classNames) else { return false }
        return try !any(ignoreEntries, moduleName, classNames)
    }

    public func isIgnored(moduleName: String, classNames: [String]) throws(RecipeError) -> Bool {
        try any(ignoreEntries, moduleName, classNames)
    }

    /// The targets that match the module, most specific first as compressed-tensors' `match_targets`
    /// orders them: exact names, then `re:` patterns (each group sorted), then class names.
    public func matchingTargets(moduleName: String, classNames: [String]) throws(RecipeError) -> [String] {
        let sorted = zip(targets, targetEntries).sorted { a, b in
            let ra = a.0.contains("re:"), rb = b.0.contains("re:")
            return ra != rb ? !ra : a.0 < b.0
        }
        var result: [String] = []
        for (target, entry) in sorted {
            if try nameMatches(entry, moduleName) { result.append(target) }
        }
        for (target, entry) in sorted where !result.contains(target) {
            if case let .exact(name) = entry, classNames.contains(name) { result.append(target) }
        }
        return result
    }

    private static func entry(_ text: String) -> Entry {
        guard text.hasPrefix("re:") else { return .exact(text) }
        guard let regex = try? PythonRegex(String(text.dropFirst(3))) else { return .never }
        return .regex(text, regex)
    }

    private func nameMatches(_ entry: Entry, _ name: String) throws(RecipeError) -> Bool {
        switch entry {
        case let .exact(text): return text == name
        case let .regex(text, regex):
            do {
                return try regex.matchesAtStart(name)
            } catch {
                throw .patternTooSlow(source, pattern: text, module: name, steps: error.steps)
            }
        case .never: return false
        }
    }

    private func any(_ entries: [Entry], _ name: String, _ classNames: [String]) throws(RecipeError) -> Bool {
        for entry in entries {
            if try nameMatches(entry, name) { return true }
            if case let .exact(text) = entry, classNames.contains(text) { return true }
        }
        return false
    }
}
