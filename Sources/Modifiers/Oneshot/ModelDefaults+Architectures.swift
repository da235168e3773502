import Architectures
import Recipes

extension ModelDefaults {
    /// What llm-compressor infers for a model of class `className` (config.json's
    /// `architectures[0]`): the default mappings ``ArchitectureRegistry`` declares for it, and
    /// whether its family is a mixture of experts.
    public init(className: String) {
        let mappings = ArchitectureRegistry.defaultMappings(className: className)
        func pairs(_ list: [SmoothingMapping]?) -> [Mapping]? { list?.map { ($0.smoothLayer, $0.balanceLayers) } }
        self.init(architecture: className, smoothQuantMappings: pairs(mappings.smoothQuant), awqMappings: pairs(mappings.awq),
                  isMixtureOfExperts: ArchitectureRegistry.family(className: className)?.isMixtureOfExperts ?? false)
    }
}
