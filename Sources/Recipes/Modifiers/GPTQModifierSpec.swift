/// A `GPTQModifier` as llm-compressor 0.14 holds it after validation: the quantization it applies
/// (every `QuantizationModifier` key, through `QuantizationMixin`) and how GPTQ calibrates it.
public struct GPTQModifierSpec: Sendable {
    /// The `QuantizationMixin` and `Modifier` fields, read as a QuantizationModifier's are, with the
    /// config groups as written (see `resolvedConfigGroups` for the activation ordering applied).
    public var quantization: QuantizationModifierSpec
    /// Columns quantized per pass; default 128.
    public var blockSize: Int
    /// Dampening added to the Hessian's diagonal, as a fraction of its mean; default 0.01.
    public var dampeningFrac: Double
    public var actorder: GPTQActorder
    /// How many same-shaped modules are quantized together; default `.auto`.
    public var batchedQuantization: BatchedQuantization?

    /// How `actorder` was given.
    public enum GPTQActorder: Equatable, Sendable {
        /// Not written: "static" for config groups that set none, their own otherwise.
        case unset
        /// Written: "static", "weight" (the same ordering), or nil for `actorder: null` (no reordering).
        case written(String?)
    }

    /// `batched_quantization`: "auto" or a maximum batch size (`null` is nil on the spec).
    public enum BatchedQuantization: Equatable, Sendable {
        case auto
        case maxBatch(Int)
    }

    /// Whether the modifier configures quantization itself (llm-compressor's `has_config()`).
    /// One that does not (no scheme, config_groups or kv_cache_scheme; targets and ignore left
    /// as they are) solves, with GPTQ, the Linear layers an earlier QuantizationModifier gave a
    /// weight scheme, with that scheme as written: its own `actorder` is then not applied.
    public var hasConfiguration: Bool {
        !quantization.configGroups.isEmpty || quantization.kvCacheScheme != nil
    }

    /// The config groups GPTQ quantizes with: llm-compressor's `resolve_quantization_config`, which
    /// sets each group's `weights.actorder` from the modifier's `actorder` (conflicts were refused
    /// by the parser).
    public var resolvedConfigGroups: [(name: String, scheme: QuantizationScheme)] {
        quantization.configGroups.map { group in
            var scheme = group.scheme
            if var weights = scheme.weights, Self.ordersColumns(weights.strategy) {
                if actorder == .unset && weights.actorder == nil {
                    // llm-compressor's default, assigned as `ActivationOrdering.STATIC`.
                    weights.actorder = "static"
                    weights.enumMembers.insert(.actorder)
                } else if case let .written(value) = actorder {
                    weights.actorder = value
                }
                scheme.weights = weights
            }
            return (group.name, scheme)
        }
    }

    /// The weight strategies whose activation ordering GPTQ resolves.
    static func ordersColumns(_ strategy: QuantizationStrategy) -> Bool {
        [.group, .tensorGroup, .channel, .tensor, .block].contains(strategy)
    }
}
