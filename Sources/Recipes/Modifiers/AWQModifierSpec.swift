/// An `AWQModifier` as llm-compressor 0.14 holds it after validation. In 0.14 AWQ only scales
/// weights; a QuantizationModifier or GPTQModifier after it in the recipe quantizes them (the
/// parser checks there is one), and AWQ searches its scales for that modifier's scheme.
public struct AWQModifierSpec: Sendable {
    public var base: ModifierBaseFields
    /// Which layers to smooth and balance; nil when not written (llm-compressor then infers them
    /// from the model's architecture, see `Recipe.initialized(for:)`).
    public var mappings: [AWQMapping]?
    /// Where cached activations are kept between passes.
    public var offloadDevice: OffloadDevice
    /// Whether the scale search uses weights as well as activations; default `.on`.
    public var duoScaling: DuoScaling
    /// Points of the scale grid searched per mapping; default 20.
    public var nGrid: Int
    /// The modifier group: the `GROUP_modifiers` key without "_modifiers" ("default" for flat recipes).
    public var group: String
    /// Where the modifier's key is in the recipe.
    public var position: SourcePosition

    /// `offload_device`.
    public enum OffloadDevice: Equatable, Sendable {
        /// Not written: llm-compressor picks "cpu" for mixture-of-experts models, none otherwise,
        /// when the modifier starts.
        case notWritten
        /// `null`: nothing offloaded.
        case none
        /// A torch device name as written ("cpu", "cuda:0", ...).
        case device(String)
        /// A `torch.device`, which llm-compressor's recipe.yaml saves as a Python object
        /// (`!!python/object/apply:torch.device [cpu]`): its own choice for a mixture-of-experts
        /// model, `torch.device("cpu")`.
        case torchDevice(String)
    }

    /// `duo_scaling`: true, false or "both" (half the grid each way).
    public enum DuoScaling: Equatable, Sendable {
        case on, off, both
    }
}

/// One AWQ mapping: the layer whose output is scaled down, the layers that read it and are scaled
/// up, and optionally the submodule whose inputs are cached (for parallel attention/MLP blocks).
public struct AWQMapping: Equatable, Sendable {
    public var smoothLayer: String
    public var balanceLayers: [String]
    public var activationHookTarget: String?

    public init(smoothLayer: String, balanceLayers: [String], activationHookTarget: String? = nil) {
        self.smoothLayer = smoothLayer
        self.balanceLayers = balanceLayers
        self.activationHookTarget = activationHookTarget
    }
}
