extension Recipe {
    /// The recipe as llm-compressor 0.14's modifiers hold it once started on a model of
    /// `architecture` (config.json's `architectures[0]`), which is what its saved recipe.yaml
    /// shows: SmoothQuant and AWQ mappings not written are inferred (`DefaultMappings`),
    /// SmoothQuant's `ignore` becomes [] when null, and AWQ's `offload_device`, when not written,
    /// becomes the CPU for mixture-of-experts models.
    /// - Throws: `RecipeError.noDefaultMappings` when a mapping must be inferred for an
    ///   architecture llm-compressor has special mappings for that this port does not carry.
    public func initialized(architecture: String) throws(RecipeError) -> Recipe {
        var recipe = self
        for s in recipe.stages.indices {
            for m in recipe.stages[s].modifiers.indices {
                switch recipe.stages[s].modifiers[m] {
                case var .smoothQuant(spec):
                    if spec.mappings == nil {
                        guard let inferred = DefaultMappings.smoothQuant(architecture: architecture) else {
                            throw .noDefaultMappings(spec.position, modifier: ModifierNames.smoothQuant, architecture: architecture)
                        }
                        spec.mappings = inferred
                    }
                    if spec.ignore == nil { spec.ignore = [] }
                    recipe.stages[s].modifiers[m] = .smoothQuant(spec)
                case var .awq(spec):
                    if spec.mappings == nil {
                        guard let inferred = DefaultMappings.awq(architecture: architecture) else {
                            throw .noDefaultMappings(spec.position, modifier: ModifierNames.awq, architecture: architecture)
                        }
                        spec.mappings = inferred
                    }
                    if spec.offloadDevice == .notWritten {
                        spec.offloadDevice = DefaultMappings.isMixtureOfExperts(architecture: architecture) ? .inferredCPU : .none
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
