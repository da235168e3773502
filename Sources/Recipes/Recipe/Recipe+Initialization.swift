/// What llm-compressor 0.14 infers from the model a recipe runs on, for what the recipe leaves
/// unwritten.
public struct ModelDefaults: Sendable {
    /// A smoothing mapping: the smooth layer's pattern and the balance layers' patterns.
    public typealias Mapping = (smooth: String, balance: [String])

    /// The model's class (config.json's `architectures[0]`), named in errors.
    public var architecture: String
    /// SmoothQuant's mappings; nil when llm-compressor has mappings of its own for the model that
    /// this port does not carry.
    public var smoothQuantMappings: [Mapping]?
    /// AWQ's mappings; nil likewise.
    public var awqMappings: [Mapping]?
    /// Whether llm-compressor treats the model as a mixture of experts (AWQ then offloads its
    /// cached activations to the CPU unless the recipe says otherwise).
    public var isMixtureOfExperts: Bool

    public init(architecture: String, smoothQuantMappings: [Mapping]?, awqMappings: [Mapping]?, isMixtureOfExperts: Bool) {
        self.architecture = architecture
        self.smoothQuantMappings = smoothQuantMappings
        self.awqMappings = awqMappings
        self.isMixtureOfExperts = isMixtureOfExperts
    }
}

extension Recipe {
    /// The recipe as llm-compressor 0.14's modifiers hold it once started on a model with
    /// `defaults`, which is what its saved recipe.yaml shows: SmoothQuant and AWQ mappings not
    /// written are inferred, SmoothQuant's `ignore` becomes [] when null, and AWQ's
    /// `offload_device`, when not written, becomes the CPU for mixture-of-experts models.
    /// - Throws: `RecipeError.noDefaultMappings` when a mapping must be inferred for an
    ///   architecture llm-compressor has special mappings for that this port does not carry.
    public func initialized(for defaults: ModelDefaults) throws(RecipeError) -> Recipe {
        var recipe = self
        for s in recipe.stages.indices {
            for m in recipe.stages[s].modifiers.indices {
                switch recipe.stages[s].modifiers[m] {
                case var .smoothQuant(spec):
                    if spec.mappings == nil {
                        guard let inferred = defaults.smoothQuantMappings else {
                            throw .noDefaultMappings(spec.position, modifier: ModifierNames.smoothQuant, architecture: defaults.architecture)
                        }
                        spec.mappings = inferred.map { SmoothQuantMapping(balanceLayers: $0.balance, smoothLayer: $0.smooth, form: .namedTuple) }
                    }
                    if spec.ignore == nil { spec.ignore = [] }
                    recipe.stages[s].modifiers[m] = .smoothQuant(spec)
                case var .awq(spec):
                    if spec.mappings == nil {
                        guard let inferred = defaults.awqMappings else {
                            throw .noDefaultMappings(spec.position, modifier: ModifierNames.awq, architecture: defaults.architecture)
                        }
                        spec.mappings = inferred.map { AWQMapping(smoothLayer: $0.smooth, balanceLayers: $0.balance) }
                    }
                    if spec.offloadDevice == .notWritten {
                        spec.offloadDevice = defaults.isMixtureOfExperts ? .torchDevice("cpu") : .none
                    }
                    recipe.stages[s].modifiers[m] = .awq(spec)
                case .quantization, .gptq:
                    break
                }
            }
        }
        return recipe
    }
}
