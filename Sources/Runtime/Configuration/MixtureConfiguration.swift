import Architectures

/// The mixture-of-experts keys of a config.json (Mixtral, Qwen2-MoE, Qwen3-MoE, DeepSeek-V3, GLM-4-MoE).
struct MixtureConfiguration: Decodable, Sendable {
    /// `num_local_experts`, `num_experts` or `n_routed_experts`.
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
    /// `first_k_dense_replace`: the number of dense layers before the sparse ones (default 0).
    var leadingDenseLayers: Int
    /// `n_shared_experts`: the shared expert is this many experts wide, when given.
    var sharedExpertCount: Int?
    /// `n_group` and `topk_group`: the groups the experts form and how many of them a token picks from (default 1).
    var groupCount: Int
    var groupsPerToken: Int
    /// `routed_scaling_factor`: multiplies the routed experts' weights (default 1).
    var routedScalingFactor: Float

    enum CodingKeys: String, CodingKey {
        case localExperts = "num_local_experts", experts = "num_experts", expertsPerToken = "num_experts_per_tok"
        case expertIntermediateSize = "moe_intermediate_size", sharedExpertIntermediateSize = "shared_expert_intermediate_size"
        case normalizeTopK = "norm_topk_prob", sparseStep = "decoder_sparse_step", denseLayers = "mlp_only_layers"
        case routedExperts = "n_routed_experts", leadingDenseLayers = "first_k_dense_replace", sharedExpertCount = "n_shared_experts"
        case groupCount = "n_group", groupsPerToken = "topk_group", routedScalingFactor = "routed_scaling_factor"
    }

    init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let count = try c.decodeSizeIfPresent(forKey: .localExperts) ?? c.decodeSizeIfPresent(forKey: .experts)
            ?? c.decodeSizeIfPresent(forKey: .routedExperts) else {
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
        leadingDenseLayers = try c.decodeIfPresent(Int.self, forKey: .leadingDenseLayers) ?? 0
        guard leadingDenseLayers >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .leadingDenseLayers, in: c, debugDescription: "\(leadingDenseLayers) is negative")
        }
        sharedExpertCount = try c.decodeSizeIfPresent(forKey: .sharedExpertCount)
        groupCount = try c.decodeSizeIfPresent(forKey: .groupCount) ?? 1
        groupsPerToken = try c.decodeSizeIfPresent(forKey: .groupsPerToken) ?? 1
        guard expertCount % groupCount == 0, groupsPerToken <= groupCount else {
            throw DecodingError.dataCorruptedError(
                forKey: .groupCount, in: c, debugDescription: "\(expertCount) experts in \(groupCount) groups, \(groupsPerToken) chosen per token")
        }
        guard expertsPerToken <= groupsPerToken * (expertCount / groupCount), groupCount == 1 || expertCount / groupCount >= 2 else {
            throw DecodingError.dataCorruptedError(
                forKey: .groupsPerToken, in: c,
                debugDescription: "\(expertsPerToken) experts per token do not fit in \(groupsPerToken) of \(groupCount) groups of \(expertCount / groupCount)")
        }
        routedScalingFactor = try c.decodeIfPresent(Float.self, forKey: .routedScalingFactor) ?? 1
        guard routedScalingFactor.isFinite, routedScalingFactor > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .routedScalingFactor, in: c, debugDescription: "\(routedScalingFactor) is not a positive finite number")
        }
    }

    /// Whether each of `layerCount` layers is sparse under `rule`: with `configuredStep`, not
    /// listed in `mlp_only_layers` and its 1-based index a multiple of `decoder_sparse_step`; with
    /// `afterFirstDense`, from index `first_k_dense_replace` on.
    func sparseLayers(layerCount: Int, rule: MixtureLayout.SparseLayers) -> [Bool] {
        (0..<layerCount).map { l in
            switch rule {
            case .all: return true
            case .configuredStep: return !denseLayers.contains(l) && (l + 1) % sparseStep == 0
            case .afterFirstDense: return l >= leadingDenseLayers
            }
        }
    }
}
