/// Every way a recipe can be refused. Each case carries the position of the offending YAML node;
/// `description` is one line, `FILE:LINE:COLUMN: message`, with "did you mean 'X'?" when a known
/// name is close to the one written.
public enum RecipeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The recipe file could not be read (missing, unreadable, not UTF-8).
    case fileUnreadable(path: String, reason: String)
    /// The document is larger than the parser accepts.
    case documentTooLarge(SourcePosition, bytes: Int, limit: Int)
    /// The document expands (through aliases) to more nodes than the parser accepts.
    case tooManyNodes(SourcePosition, limit: Int)
    /// The document may nest deeper than the parser accepts.
    case nestingTooDeep(SourcePosition, limit: Int)
    /// libyaml refused the text; the position is its mark.
    case yamlSyntax(SourcePosition, message: String)
    /// The document holds nothing (or only comments, or `null`).
    case emptyDocument(SourcePosition)
    /// A mapping repeats a key.
    case duplicateKey(SourcePosition, key: String, first: SourcePosition)
    /// A top-level key that is no stage (`*_stage`), modifier group (`*_modifiers`) or modifier.
    case unknownTopLevelKey(SourcePosition, key: String, suggestion: String?)
    /// A key inside a stage that is no modifier group (`*_modifiers`).
    case unknownStageKey(SourcePosition, key: String, suggestion: String?)
    /// A modifier class llm-compressor does not have.
    case unknownModifier(SourcePosition, name: String, suggestion: String?)
    /// A modifier llm-compressor has but this port does not run yet.
    case unsupportedModifier(SourcePosition, name: String, reason: String)
    /// A key the enclosing object (`context`, e.g. "QuantizationModifier") does not accept.
    case unknownKey(SourcePosition, key: String, context: String, suggestion: String?)
    /// A key llm-compressor's modifier has but that cannot be given in a recipe.
    case unsupportedKey(SourcePosition, key: String, reason: String)
    /// A scheme name that is no compressed-tensors preset.
    case unknownPreset(SourcePosition, name: String, suggestion: String?)
    /// A string outside a fixed set (strategy, type, format, dtype, observer, ...).
    case invalidValue(SourcePosition, key: String, value: String, allowed: [String], suggestion: String?)
    /// A value of the wrong YAML type, e.g. `num_bits: eight` or `targets: 3`.
    case wrongType(SourcePosition, key: String, expected: String, found: String)
    /// `scheme` and `config_groups` given together to `modifier`.
    case schemeAndConfigGroups(SourcePosition, modifier: String)
    /// A key that cannot be given together with others already given.
    case conflictingKeys(SourcePosition, key: String, others: [String])
    /// A QuantizationModifier or GPTQModifier with none of `scheme`, `config_groups`, `kv_cache_scheme`.
    case missingScheme(SourcePosition, modifier: String)
    /// A mapping without a key it needs (`context`, e.g. "AWQ mapping").
    case missingKey(SourcePosition, key: String, context: String)
    /// A number outside the range the key allows.
    case outOfRange(SourcePosition, key: String, value: String, expected: String)
    /// GPTQModifier's `actorder` and a config group's `weights.actorder` disagree.
    case conflictingActorder(SourcePosition, modifier: String?, group: String, groupActorder: String)
    /// A SmoothQuantModifier or AWQModifier without `mappings`, for an architecture whose default
    /// mappings this port does not carry.
    case noDefaultMappings(SourcePosition, modifier: String, architecture: String)
    /// An AWQModifier with no QuantizationModifier or GPTQModifier after it.
    case awqWithoutQuantization(SourcePosition)
    /// QuantizationArgs that compressed-tensors' validators reject.
    case invalidQuantizationArgs(SourcePosition, message: String)
    /// A QuantizationScheme (config group) that compressed-tensors' validators reject.
    case invalidScheme(SourcePosition, message: String)
    /// A `re:` target or ignore pattern that is no valid regular expression.
    case invalidPattern(SourcePosition, pattern: String, message: String)
    /// A `re:` pattern that ran out of its matching step budget on a module name (see `PythonRegex`);
    /// the position is where the patterns were written (the modifier, or config.json).
    case patternTooSlow(SourcePosition, pattern: String, module: String, steps: Int)
    /// The recipe, or one of its stages or groups, holds no modifier.
    case noModifiers(SourcePosition, what: String)

    /// Where the error is; nil only for `fileUnreadable`.
    public var position: SourcePosition? {
        switch self {
        case .fileUnreadable: return nil
        case let .documentTooLarge(p, _, _), let .tooManyNodes(p, _), let .nestingTooDeep(p, _), let .yamlSyntax(p, _),
             let .emptyDocument(p), let .duplicateKey(p, _, _), let .unknownTopLevelKey(p, _, _),
             let .unknownStageKey(p, _, _), let .unknownModifier(p, _, _),
             let .unsupportedModifier(p, _, _), let .unknownKey(p, _, _, _), let .unsupportedKey(p, _, _),
             let .unknownPreset(p, _, _), let .invalidValue(p, _, _, _, _), let .wrongType(p, _, _, _),
             let .schemeAndConfigGroups(p, _), let .conflictingKeys(p, _, _), let .missingScheme(p, _), let .invalidQuantizationArgs(p, _),
             let .missingKey(p, _, _), let .outOfRange(p, _, _, _), let .conflictingActorder(p, _, _, _), let .noDefaultMappings(p, _, _), let .awqWithoutQuantization(p),
             let .invalidScheme(p, _), let .invalidPattern(p, _, _), let .patternTooSlow(p, _, _, _), let .noModifiers(p, _):
            return p
        }
    }

    /// The message without the position.
    public var message: String {
        switch self {
        case let .fileUnreadable(_, reason):
            return "cannot read recipe: \(reason)"
        case let .documentTooLarge(_, bytes, limit):
            return "recipe is \(bytes) bytes; recipes larger than \(limit) bytes are refused"
        case let .tooManyNodes(_, limit):
            return "recipe expands to more than \(limit) YAML nodes (alias expansion?); refused"
        case let .nestingTooDeep(_, limit):
            return "recipe nests more than \(limit) levels deep; refused"
        case let .yamlSyntax(_, message):
            return "YAML syntax error: \(message)"
        case .emptyDocument:
            return "recipe is empty"
        case let .duplicateKey(_, key, first):
            return "duplicate key '\(key)' (first given at \(first.line):\(first.column))"
        case let .unknownTopLevelKey(_, key, suggestion):
            return "unknown top-level key '\(key)': expected a stage ('*_stage'), a modifier group ('*_modifiers') or a modifier such as 'QuantizationModifier'"
                + Self.didYouMean(suggestion)
        case let .unknownStageKey(_, key, suggestion):
            return "unknown key '\(key)' in stage: expected modifier groups ('*_modifiers')" + Self.didYouMean(suggestion)
        case let .unknownModifier(_, name, suggestion):
            return "unknown modifier '\(name)'" + Self.didYouMean(suggestion)
        case let .unsupportedModifier(_, name, reason):
            return "\(name) \(reason)"
        case let .unknownKey(_, key, context, suggestion):
            return "unknown key '\(key)' in \(context)" + Self.didYouMean(suggestion)
        case let .unsupportedKey(_, key, reason):
            return "key '\(key)' is not supported: \(reason)"
        case let .unknownPreset(_, name, suggestion):
            return "unknown preset scheme '\(name)'" + Self.didYouMean(suggestion)
        case let .invalidValue(_, key, value, allowed, suggestion):
            var text = "invalid \(key) '\(value)'"
            if let suggestion { text += "; did you mean '\(suggestion)'?" }
            if !allowed.isEmpty { text += " (expected one of: \(allowed.joined(separator: ", ")))" }
            return text
        case let .wrongType(_, key, expected, found):
            return "'\(key)' must be \(expected), found \(found)"
        case let .schemeAndConfigGroups(_, modifier):
            return "\(modifier) takes either 'scheme' or 'config_groups', not both"
        case let .conflictingKeys(_, key, others):
            return "'\(key)' cannot be combined with \(others.map { "'\($0)'" }.joined(separator: ", "))"
        case let .missingScheme(_, modifier):
            return "\(modifier) needs 'scheme', 'config_groups' or 'kv_cache_scheme'"
        case let .missingKey(_, key, context):
            return "\(context) needs '\(key)'"
        case let .outOfRange(_, key, value, expected):
            return "invalid \(key) \(value): \(expected)"
        case let .conflictingActorder(_, modifier, group, groupActorder):
            return "GPTQModifier actorder \(modifier.map { "'\($0)'" } ?? "null") differs from actorder '\(groupActorder)' of config group '\(group)'; "
                + "remove one of them (llm-compressor 0.14 cannot resolve the activation ordering)"
        case let .noDefaultMappings(_, modifier, architecture):
            return "\(modifier) has no 'mappings', and llm-compressor's default mappings for \(architecture) are not known here; write them in the recipe"
        case .awqWithoutQuantization:
            return "AWQModifier needs a QuantizationModifier or GPTQModifier after it in the recipe: AWQ only scales "
                + "weights; the quantization scheme (scheme, config_groups, ignore) goes in the modifier after it"
        case let .invalidQuantizationArgs(_, message):
            return "invalid quantization arguments: \(message)"
        case let .invalidScheme(_, message):
            return "invalid quantization scheme: \(message)"
        case let .invalidPattern(_, pattern, message):
            return "invalid regular expression '\(pattern)': \(message)"
        case let .patternTooSlow(_, pattern, module, steps):
            return "pattern '\(pattern)' needs more than \(steps) matching steps on module '\(module)' "
                + "(nested repetitions such as '(a|a)*' backtrack exponentially); simplify it"
        case let .noModifiers(_, what):
            return "\(what) holds no modifier"
        }
    }

    /// `FILE:LINE:COLUMN: message` (`FILE: message` for a file that could not be read).
    public var description: String {
        if case let .fileUnreadable(path, _) = self { return "\(path): \(message)" }
        return "\(position!): \(message)"
    }

    private static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { "; did you mean '\($0)'?" } ?? ""
    }
}
