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
    /// Gate and up projections side by side: `[gate | up]` per row.
    let gateUp: any Linear
    let down: any Linear
    /// The norm of the MLP output before the residual add (Gemma-2).
    let postFeedForwardNorm: RMSNorm?
    let attention: Attention
}
