/// Which tensors of a checkpoint belong to which kind of module, per architecture (config.json's
/// `model_type`). Module names are matched on their trailing components with expert and layer
/// numbers replaced by `*`, e.g. `block_sparse_moe.experts.*.w1`.
///
/// Architectures not in the table follow the generic rule: a 2-D `weight` is a Linear layer unless
/// its module is an embedding (`embed_tokens`, `wte`, `wpe`, `word_embeddings`, `embed_positions`)
/// or a norm (a last component containing `norm` or starting with `ln`).
public struct ArchitectureRules: Sendable {
    public let modelType: String?
    /// Module-name suffixes that are MoE routers: not Linear for llm-compressor 0.14 under
    /// transformers 5, so never quantized, and listed in the config's `ignore`.
    public let routerSuffixes: [String]
    /// Whether the architecture is in the table (else the generic rule alone applies).
    public let isKnown: Bool

    static let table: [String: [String]] = [
        "llama": [], "mistral": [], "qwen2": [], "qwen3": [], "phi3": [], "gemma": [], "gemma2": [], "gemma3_text": [],
        "mixtral": ["block_sparse_moe.gate"],
        "qwen2_moe": ["mlp.gate"],
        "qwen3_moe": ["mlp.gate"],
    ]

    /// The rules for `config`'s `model_type`.
    public init(modelType: String?) {
        self.modelType = modelType
        if let modelType, let routers = Self.table[modelType] {
            routerSuffixes = routers
            isKnown = true
        } else {
            routerSuffixes = []
            isKnown = false
        }
    }

    /// The architectures the table names.
    public static var knownModelTypes: [String] { table.keys.sorted() }

    /// The kind of the module `module` that owns a parameter of `shape`.
    public func kind(ofModule module: String, parameterShape shape: [Int]) -> ModuleKind {
        let components = module.split(separator: ".").map { $0.allSatisfy(\.isNumber) ? "*" : String($0) }
        let pattern = components.joined(separator: ".")
        if routerSuffixes.contains(where: { pattern == $0 || pattern.hasSuffix("." + $0) }) { return .router }
        guard let last = components.last else { return .other }
        if ["embed_tokens", "wte", "wpe", "word_embeddings", "embed_positions"].contains(last) { return .embedding }
        if last.contains("norm") || last.hasPrefix("ln") { return .norm }
        return shape.count == 2 ? .linear : .other
    }
}
