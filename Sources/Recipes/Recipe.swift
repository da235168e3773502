import Foundation

/// An llm-compressor recipe: stages of modifiers, parsed and validated.
public struct Recipe: Sendable {
    public var stages: [RecipeStage]
    /// The file it was read from by `load(path:)`, which a run's output must not replace.
    public var file: String?

    public init(stages: [RecipeStage], file: String? = nil) {
        self.stages = stages
        self.file = file
    }

    /// Every modifier of every stage, in recipe order.
    public var modifiers: [RecipeModifier] { stages.flatMap(\.modifiers) }

    /// Documents larger than this are refused before parsing.
    public static let maxDocumentBytes = 1 << 20
    /// Documents that may nest deeper than this (flow brackets plus block levels) are refused.
    public static let maxNesting = 1000
    /// Documents whose node tree (aliases expanded) is larger than this are refused.
    public static let maxNodes = 100_000

    /// Parses a recipe in llm-compressor's YAML format, staged (`NAME_stage: GROUP_modifiers:
    /// Modifier: {...}`) or flat (`QuantizationModifier: {...}` or `GROUP_modifiers:` at the top).
    /// - Parameter file: the name errors report (usually the path).
    public static func parse(yaml: String, file: String) throws(RecipeError) -> Recipe {
        try RecipeParser(file: file).parse(yaml)
    }

    /// Parses the bytes of a recipe file (`Recipe.load(path:)` reads them): a document larger than
    /// `maxDocumentBytes` is refused before it is decoded, one that is not UTF-8 is `fileUnreadable`.
    /// - Parameter file: the file's path, which errors report.
    public static func parse(document bytes: UnsafeRawBufferPointer, file: String) throws(RecipeError) -> Recipe {
        if bytes.count > maxDocumentBytes {
            throw .documentTooLarge(SourcePosition(file: file, line: 1, column: 1), bytes: bytes.count, limit: maxDocumentBytes)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .fileUnreadable(path: file, reason: "not valid UTF-8")
        }
        return try parse(yaml: text, file: file)
    }
}

/// One stage of a recipe: its modifiers in order.
public struct RecipeStage: Sendable {
    /// The stage key as written (e.g. "quant_stage"); "default_stage" for a flat recipe.
    public var name: String
    public var modifiers: [RecipeModifier]

    public init(name: String, modifiers: [RecipeModifier]) {
        self.name = name
        self.modifiers = modifiers
    }
}

/// A modifier of a recipe. Other llm-compressor modifiers (AutoRound, SparseGPT, pruning, ...) are
/// recognised and refused by the parser.
public enum RecipeModifier: Sendable {
    case quantization(QuantizationModifierSpec)
    case gptq(GPTQModifierSpec)
    case smoothQuant(SmoothQuantModifierSpec)
    case awq(AWQModifierSpec)

    /// The llm-compressor class name, as the recipe writes it.
    public var name: String {
        switch self {
        case .quantization: return ModifierNames.quantization
        case .gptq: return ModifierNames.gptq
        case .smoothQuant: return ModifierNames.smoothQuant
        case .awq: return ModifierNames.awq
        }
    }

    /// Where the modifier's key is in the recipe.
    public var position: SourcePosition {
        switch self {
        case let .quantization(spec): return spec.position
        case let .gptq(spec): return spec.quantization.position
        case let .smoothQuant(spec): return spec.position
        case let .awq(spec): return spec.position
        }
    }

    /// The modifier group: the `GROUP_modifiers` key without "_modifiers".
    public var group: String {
        switch self {
        case let .quantization(spec): return spec.group
        case let .gptq(spec): return spec.quantization.group
        case let .smoothQuant(spec): return spec.group
        case let .awq(spec): return spec.group
        }
    }
}

/// How a `scheme` key was written.
public enum SchemeSpec: Equatable, Sendable {
    /// `scheme: FP8_DYNAMIC` (the name as written; any case).
    case preset(String)
    /// `scheme: {W8A8: [Linear], W4A16: [re:.*mlp.*]}`, in order.
    case presetTargets([PresetTargets])

    public struct PresetTargets: Equatable, Sendable {
        public var preset: String
        public var targets: [String]
    }
}

/// A `QuantizationModifier` as llm-compressor 0.14 holds it after validation.
public struct QuantizationModifierSpec: Sendable {
    /// Default targets of a preset scheme; default ["Linear"].
    public var targets: [String]
    /// Module names, class names or `re:` patterns never quantized; default [].
    public var ignore: [String]
    /// The resolved config groups: from `scheme` (a preset string gives "group_0"; a map preset →
    /// targets gives group_0, group_1, ... in order) or from `config_groups` as written, with any
    /// observer overrides applied. A recipe with only `kv_cache_scheme` gets one empty group on
    /// `targets`, as llm-compressor does.
    public var configGroups: [(name: String, scheme: QuantizationScheme)]
    public var kvCacheScheme: QuantizationArgs?
    public var bypassDivisibilityChecks: Bool
    /// Where the modifier's key is in the recipe.
    public var position: SourcePosition

    /// The modifier group: the `GROUP_modifiers` key without "_modifiers" ("default" for flat recipes).
    public var group: String
    /// `scheme` as written, when given.
    public var scheme: SchemeSpec?
    /// Whether a non-empty `config_groups` was written (rather than derived from `scheme`); the
    /// saved recipe then lists `configGroups` under `config_groups`.
    public var configGroupsWritten: Bool
    public var weightObserver: String?
    public var inputObserver: String?
    public var outputObserver: String?
    /// The `observer` map (keys "weights", "input", "output"), in the order written.
    public var observerOverrides: [(key: String, observer: String)]?
    /// llm-compressor's `requires_calibration_data` after its validator: true when written so,
    /// when a KV cache scheme is given, or when any config group needs calibration.
    public var requiresCalibrationData: Bool
    public var index: Int?
    public var start: Double?
    public var end: Double?
    public var update: Double?

    /// The union of all config groups' targets, in first-seen order (llm-compressor's `resolved_targets`
    /// without the KV cache targets).
    public var resolvedTargets: [String] {
        var seen: [String] = []
        for (_, scheme) in configGroups { for t in scheme.targets where !seen.contains(t) { seen.append(t) } }
        return seen
    }
}
