/// The attention module of a decoder block.
public struct AttentionLayout: Sendable, Equatable {
    /// The module's name in its block (`self_attn`): where the KV cache's scales are stored.
    public var module: String
    /// The query, key and value projections.
    public var inputs: Projections
    /// The output projection.
    public var output: String
    /// RMSNorms over each query and key head before the rotation (Qwen3's `q_norm`, `k_norm`).
    public var queryKeyNorms: [String]
    /// config.json's boolean key that switches `queryKeyNorms` on (GLM-4-MoE's `use_qk_norm`); nil
    /// when the family always has them.
    public var queryKeyNormSwitch: String?
    /// DeepSeek's latent attention, in place of separate query, key and value projections; its
    /// `inputs` are then the projections that read the block's normed input.
    public var latent: LatentAttentionLayout?
    /// Whether the model defines the output projection before the inputs (Phi-3's `o_proj`, then
    /// `qkv_proj`): the order `named_modules()`, and so llm-compressor's `ignore` list, follows.
    public var outputDefinedFirst: Bool

    public init(module: String = "self_attn", inputs: Projections = .separate(["q_proj", "k_proj", "v_proj"]),
                output: String = "o_proj", queryKeyNorms: [String] = [], queryKeyNormSwitch: String? = nil,
                latent: LatentAttentionLayout? = nil, outputDefinedFirst: Bool = false) {
        self.module = module
        self.inputs = inputs
        self.output = output
        self.queryKeyNorms = queryKeyNorms
        self.queryKeyNormSwitch = queryKeyNormSwitch
        self.latent = latent
        self.outputDefinedFirst = outputDefinedFirst
    }

    /// DeepSeek's latent attention: `q_a_proj` and `kv_a_proj_with_mqa` read the normed input (a
    /// fused group, as llm-compressor links them).
    public static let latent = AttentionLayout(
        inputs: .separate([LatentAttentionLayout().queryDown, LatentAttentionLayout().keyValueDown]), latent: LatentAttentionLayout())

    /// The key projection, when the keys have a projection of their own.
    public var keyProjection: String? {
        if latent == nil, case let .separate(names) = inputs, names.count == 3 { return names[1] }
        return nil
    }

    /// The projection whose output the KV cache holds, whose weight's dtype its scales take: the
    /// key projection, or latent attention's `kv_a_proj_with_mqa` (transformers caches the
    /// compressed latent).
    public var cachedProjection: String? { latent?.keyValueDown ?? keyProjection }

    /// The submodules in the order the model defines them.
    var definitionOrder: [String] {
        if let latent { return latent.definitionOrder + [output] }
        return (outputDefinedFirst ? [output] + inputs.names : inputs.names + [output]) + queryKeyNorms
    }
}
