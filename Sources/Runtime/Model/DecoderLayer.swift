/// The weights of one decoder block.
struct DecoderLayer {
    let inputNorm: RMSNorm
    /// Queries, keys and values side by side: `[q | k | v]` per row.
    let queryKeyValue: any Linear
    /// Per-head norms of queries and keys (Qwen3).
    let queryNorm: RMSNorm?
    let keyNorm: RMSNorm?
    let output: any Linear
    /// The norm of the attention output before the residual add (Gemma-2).
    let postAttentionNorm: RMSNorm?
    /// The norm before the MLP.
    let feedForwardNorm: RMSNorm
    /// The MLP: dense, or a sparse mixture of experts.
    let feedForward: FeedForward
    /// The norm of the MLP output before the residual add (Gemma-2).
    let postFeedForwardNorm: RMSNorm?
    let attention: Attention
    /// The FP8 or int8 key/value cache of a checkpoint calibrated with a `kv_cache_scheme`; nil keeps keys and values in f32.
    var keyValueCache: KeyValueCacheQuantization? = nil
    /// The rounding of the post-RoPE queries under attention quantization (`q_scale`), as
    /// compressed-tensors' query hook applies it; nil leaves them in f32.
    var queryQuantization: HeadQuantization? = nil
}

/// The MLP of one decoder block.
enum FeedForward {
    /// One gated MLP, its gate and up projections side by side: `[gate | up]` per row.
    case dense(gateUp: any Linear, down: any Linear)
    /// A sparse mixture of experts (Mixtral, Qwen-MoE).
    case mixture(MixtureOfExperts)
}
