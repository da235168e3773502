/// The one table of model families: every part of the project that needs to know about an
/// architecture asks here, by config.json's `model_type` (or, for llm-compressor's default
/// mappings, its class name).
public enum ArchitectureRegistry {
    /// Every family, each declared in a file of its own under `Families/`.
    public static let families: [Architecture] = [
        .llama, .mistral, .qwen2, .qwen3, .gemma, .gemma2, .phi3, .mixtral, .qwen2MoE, .qwen3MoE,
    ]

    private static let byModelType: [String: Architecture] = index(\.modelTypes)
    private static let byClassName: [String: Architecture] = index(\.classNames)

    private static func index(_ keys: KeyPath<Architecture, [String]>) -> [String: Architecture] {
        var table: [String: Architecture] = [:]
        for family in families {
            for key in family[keyPath: keys] { table[key] = family }
        }
        return table
    }

    /// Every `model_type` a family covers, sorted.
    public static var modelTypes: [String] { byModelType.keys.sorted() }

    /// The family covering `modelType`, or nil.
    public static func family(modelType: String) -> Architecture? { byModelType[modelType] }

    /// The family covering class `className` (config.json's `architectures[0]`), or nil.
    public static func family(className: String) -> Architecture? { byClassName[className] }

    /// The family covering `modelType`, or ``Architecture/generic`` for a model type no family
    /// covers (or none at all).
    public static func architecture(modelType: String?) -> Architecture {
        modelType.flatMap { byModelType[$0] } ?? .generic
    }

    /// The mappings llm-compressor infers for class `className`: its family's, else those of an
    /// architecture llm-compressor knows that no family here covers.
    public static func defaultMappings(className: String) -> DefaultMappings {
        family(className: className)?.defaultMappings ?? .unregistered(className: className)
    }
}
