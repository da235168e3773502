/// The RMSNorms of a decoder block, by what they normalize.
public struct BlockNorms: Sendable, Equatable {
    /// Before attention (`input_layernorm`): it feeds the query, key and value projections.
    public var input: String
    /// After attention, before the residual add (Gemma-2's `post_attention_layernorm`), if any.
    public var afterAttention: String?
    /// Before the MLP (`post_attention_layernorm`, Gemma-2's `pre_feedforward_layernorm`): it feeds
    /// the gate and up projections (or the router and experts).
    public var beforeFeedForward: String
    /// After the MLP, before the residual add (Gemma-2's `post_feedforward_layernorm`), if any.
    public var afterFeedForward: String?

    public init(input: String = "input_layernorm", afterAttention: String? = nil,
                beforeFeedForward: String = "post_attention_layernorm", afterFeedForward: String? = nil) {
        self.input = input
        self.afterAttention = afterAttention
        self.beforeFeedForward = beforeFeedForward
        self.afterFeedForward = afterFeedForward
    }

    /// Gemma-2's four norms a block.
    public static let sandwich = BlockNorms(afterAttention: "post_attention_layernorm", beforeFeedForward: "pre_feedforward_layernorm",
                                            afterFeedForward: "post_feedforward_layernorm")
}
