/// A `SmoothQuantModifier` as llm-compressor 0.14 holds it after validation: which activations to
/// smooth before quantization, and how strongly.
public struct SmoothQuantModifierSpec: Sendable {
    public var base: ModifierBaseFields
    /// α: the share of each activation channel's range moved into the weights, 0 to 1; default 0.5.
    public var smoothingStrength: Double
    /// Which layers to smooth and balance; nil when not written (llm-compressor then infers them
    /// from the model's architecture, see `Recipe.initialized(for:)`).
    public var mappings: [SmoothQuantMapping]?
    /// Layers not to smooth (a mapping is skipped only when all its layers are ignored); nil when
    /// not written.
    public var ignore: [String]?
    /// Unused by llm-compressor 0.14's SmoothQuant, but saved.
    public var numCalibrationSteps: Int?
    public var algorithm: SmoothingAlgorithm
    /// The modifier group: the `GROUP_modifiers` key without "_modifiers" ("default" for flat recipes).
    public var group: String
    /// Where the modifier's key is in the recipe.
    public var position: SourcePosition
}

/// How SmoothQuant computes each channel's scale from the activation range `a` and the weight range `w`.
public enum SmoothingAlgorithm: String, CaseIterable, Sendable {
    /// `a^α / w^(1-α)` (SmoothQuant).
    case smoothQuant = "smoothquant"
    /// `a / log2(2 + a)`, weights unused (Logarithmic Equalization).
    case logEqualization = "log_equalization"
}

/// One SmoothQuant mapping: the layer whose output is divided by the scales, and the layers that
/// read that output and are multiplied by them.
public struct SmoothQuantMapping: Equatable, Sendable {
    public var balanceLayers: [String]
    public var smoothLayer: String
    /// How the mapping is saved: as written in the recipe, or as llm-compressor's inferred
    /// `LayerMap` named tuple (`!!python/tuple`).
    var form: Form

    enum Form: Equatable, Sendable {
        /// `[[balance, ...], smooth]`.
        case list
        /// `[balance, smooth]` with a single balance layer written as a string.
        case listWithSingleBalance
        /// An inferred mapping.
        case namedTuple
    }

    public init(balanceLayers: [String], smoothLayer: String) {
        self.init(balanceLayers: balanceLayers, smoothLayer: smoothLayer, form: .list)
    }

    init(balanceLayers: [String], smoothLayer: String, form: Form) {
        self.balanceLayers = balanceLayers
        self.smoothLayer = smoothLayer
        self.form = form
    }
}
