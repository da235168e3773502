/// DeepSeek's multi-head latent attention (MLA): queries through a low-rank bottleneck with a norm
/// (`q_a_proj`, `q_a_layernorm`, `q_b_proj`), or one `q_proj` when config.json's `q_lora_rank` is
/// null; keys and values from one compressed latent (`kv_a_proj_with_mqa`, whose last
/// `qk_rope_head_dim` outputs are the rotated key shared by every head, `kv_a_layernorm`,
/// `kv_b_proj`). The norms are never quantized.
public struct LatentAttentionLayout: Sendable, Equatable {
    /// The full-rank query projection of models without a query bottleneck.
    public var query = "q_proj"
    public var queryDown = "q_a_proj"
    public var queryNorm = "q_a_layernorm"
    public var queryUp = "q_b_proj"
    /// `hidden → kv_lora_rank + qk_rope_head_dim`: the latent, then the shared rotated key.
    public var keyValueDown = "kv_a_proj_with_mqa"
    public var keyValueNorm = "kv_a_layernorm"
    /// `kv_lora_rank → heads·(qk_nope_head_dim + v_head_dim)`: per head, the key's unrotated part, then the value.
    public var keyValueUp = "kv_b_proj"

    public init() {}

    /// The submodules in the order the model defines them (`q_proj` exists only without `q_lora_rank`).
    var definitionOrder: [String] { [query, queryDown, queryNorm, queryUp, keyValueDown, keyValueNorm, keyValueUp] }
}
