/// The mixture-of-experts keys of a config.json (Mixtral, Qwen2-MoE, Qwen3-MoE).
struct MixtureConfiguration: Decodable, Sendable {
    /// `num_local_experts` or `num_experts`.
    var expertCount: Int
    /// `num_experts_per_tok`.
    var expertsPerToken: Int
    /// `moe_intermediate_size`, when given (Mixtral's experts use `intermediate_size`).
    var expertIntermediateSize: Int?
    /// `shared_expert_intermediate_size`, when given.
    var sharedExpertIntermediateSize: Int?
    /// `norm_topk_prob`, when given.
    var normalizeTopK: Bool?
    /// `decoder_sparse_step`: every this-many-th layer is sparse (default 1).
    var sparseStep: Int
    /// `mlp_only_layers`: layers that keep a dense MLP.
    var denseLayers: [Int]

    enum CodingKeys: String, CodingKey {
        case localExperts = "num_local_experts", experts = "num_experts", expertsPerToken = "num_experts_per_tok"
        case expertIntermediateSize = "moe_intermediate_size", sharedExpertIntermediateSize = "shared_expert_intermediate_size"
        case normalizeTopK = "norm_topk_prob", sparseStep = "decoder_sparse_step", denseLayers = "mlp_only_layers"
    }

    init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let count = try c.decodeSizeIfPresent(forKey: .localExperts) ?? c.decodeSizeIfPresent(forKey: .experts) else {
            throw DecodingError.keyNotFound(
                CodingKeys.experts, .init(codingPath: decoder.codingPath, debugDescription: "num_local_experts or num_experts"))
        }
        expertCount = count
        expertsPerToken = try c.decodeSize(forKey: .expertsPerToken)
        guard expertsPerToken <= expertCount else {
            throw DecodingError.dataCorruptedError(
                forKey: .expertsPerToken, in: c, debugDescription: "\(expertsPerToken) is more than the \(expertCount) experts")
        }
        expertIntermediateSize = try c.decodeSizeIfPresent(forKey: .expertIntermediateSize)
        sharedExpertIntermediateSize = try c.decodeSizeIfPresent(forKey: .sharedExpertIntermediateSize)
        normalizeTopK = try c.decodeIfPresent(Bool.self, forKey: .normalizeTopK)
        sparseStep = try c.decodeSizeIfPresent(forKey: .sparseStep) ?? 1
        denseLayers = try c.decodeIfPresent([Int].self, forKey: .denseLayers) ?? []
    }

    /// Whether each of `layerCount` layers is sparse: not listed in `mlp_only_layers`, and its
    /// 1-based index a multiple of `decoder_sparse_step`.
    func sparseLayers(layerCount: Int) -> [Bool] {
        (0..<layerCount).map { l in
            !denseLayers.contains(l) && (l + 1) % sparseStep == 0
        }
    }
}
