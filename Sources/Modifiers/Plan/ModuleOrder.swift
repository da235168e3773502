/// Orders module names as `model.named_modules()` lists them for the Llama family, which is the
/// order llm-compressor writes the `ignore` list in: numbers numerically, the known submodules in
/// their definition order (attention before MLP, q/k/v/o, router before experts), the decoder
/// before `lm_head`, and anything else alphabetically. `compress verify` lists layers in this order.
public enum ModuleOrder {
    private static let rank: [String: Int] = Dictionary(uniqueKeysWithValues: [
        "model", "transformer", "embed_tokens", "layers", "input_layernorm", "self_attn",
        "q_proj", "k_proj", "v_proj", "qkv_proj", "o_proj", "q_norm", "k_norm",
        "post_attention_layernorm", "pre_feedforward_layernorm", "block_sparse_moe", "mlp",
        "gate", "experts", "shared_expert", "shared_expert_gate",
        "gate_proj", "up_proj", "gate_up_proj", "down_proj", "w1", "w2", "w3",
        "post_feedforward_layernorm", "norm", "lm_head",
    ].enumerated().map { ($1, $0) })

    /// Whether `a` comes before `b`.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "."), y = b.split(separator: ".")
        for (p, q) in zip(x, y) where p != q {
            if let i = Int(p), let j = Int(q) { return i < j }
            switch (rank[String(p)], rank[String(q)]) {
            case let (i?, j?): return i < j
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return p < q
            }
        }
        return x.count < y.count
    }
}
