/// Everything the project knows about one model family: the `model_type`s and classes it
/// covers, where its checkpoint keeps each tensor, how its forward pass differs from Llama's,
/// and the smoothing mappings llm-compressor infers for it.
///
/// Each family is declared in a file of its own (`Families/Llama.swift`, …) and listed in
/// ``ArchitectureRegistry/families``; the planner, the runtime, calibration and `verify` read
/// every fact about a family from there.
public struct Architecture: Sendable {
    /// The family's name, for messages (`Llama`).
    public let name: String
    /// config.json's `model_type` values the family covers.
    public let modelTypes: [String]
    /// config.json's `architectures` classes the family covers (llm-compressor keys its default
    /// mappings by class).
    public let classNames: [String]
    public let layout: DecoderLayout
    public let conventions: ForwardConventions
    public let defaultMappings: DefaultMappings
    /// Child names that form one fused group under a common parent (`q_proj`/`k_proj`/`v_proj`):
    /// layers inference engines load as one matrix, which share tensor-wide statistics.
    public let fusedGroups: [[String]]

    /// A family whose fused groups are its layout's separately stored projections.
    public init(name: String, modelTypes: [String], classNames: [String], layout: DecoderLayout = DecoderLayout(),
                conventions: ForwardConventions = ForwardConventions(), defaultMappings: DefaultMappings = .llmCompressorDefault) {
        self.init(name: name, modelTypes: modelTypes, classNames: classNames, layout: layout, conventions: conventions,
                  defaultMappings: defaultMappings, fusedGroups: layout.fusedGroups)
    }

    init(name: String, modelTypes: [String], classNames: [String], layout: DecoderLayout, conventions: ForwardConventions,
         defaultMappings: DefaultMappings, fusedGroups: [[String]]) {
        self.name = name
        self.modelTypes = modelTypes
        self.classNames = classNames
        self.layout = layout
        self.conventions = conventions
        self.defaultMappings = defaultMappings
        self.fusedGroups = fusedGroups
    }

    /// Whether the family's blocks are sparse mixtures of experts (some or all of them).
    public var isMixtureOfExperts: Bool { layout.mixture != nil }
}
