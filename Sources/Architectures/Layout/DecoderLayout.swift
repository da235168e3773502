/// Where a decoder-only model keeps its tensors: module names from the embedding to the head.
/// Names inside a block are relative to it (`self_attn`, `mlp`).
public struct DecoderLayout: Sendable, Equatable {
    /// The token embedding (`model.embed_tokens`).
    public var embedding = "model.embed_tokens"
    /// The blocks' container: block `n` is `blocks.n` (`model.layers.3`).
    public var blocks = "model.layers"
    /// The norm after the last block (`model.norm`).
    public var finalNorm = "model.norm"
    /// The output head (`lm_head`), which may share the embedding's tensor.
    public var head = "lm_head"
    public var attention: AttentionLayout
    public var norms: BlockNorms
    /// The dense MLP's name in a block.
    public var mlpModule = "mlp"
    /// The dense MLP of blocks that have one; nil when every block is sparse (Mixtral).
    public var mlp: FeedForwardLayout?
    /// The sparse mixture of experts of blocks that have one.
    public var mixture: MixtureLayout?

    /// A Llama-style layout: `model.embed_tokens`, `model.layers.N` with `self_attn` and `mlp`,
    /// `model.norm`, `lm_head`.
    public init(attention: AttentionLayout = AttentionLayout(), norms: BlockNorms = BlockNorms(),
                mlp: FeedForwardLayout? = FeedForwardLayout(), mixture: MixtureLayout? = nil) {
        self.attention = attention
        self.norms = norms
        self.mlp = mlp
        self.mixture = mixture
    }
}
