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

    public init(module: String = "self_attn", inputs: Projections = .separate(["q_proj", "k_proj", "v_proj"]),
                output: String = "o_proj", queryKeyNorms: [String] = []) {
        self.module = module
        self.inputs = inputs
        self.output = output
        self.queryKeyNorms = queryKeyNorms
    }

    /// The key projection, when the keys have a projection of their own.
    public var keyProjection: String? {
        if case let .separate(names) = inputs, names.count == 3 { return names[1] }
        return nil
    }

    /// The submodules in the order the model defines them.
    var definitionOrder: [String] { inputs.names + [output] + queryKeyNorms }
}
