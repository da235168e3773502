/// The multi-head latent attention keys of a config.json (DeepSeek-V3): the ranks of the query
/// and key-value bottlenecks and the split of each head.
struct LatentAttentionConfiguration: Decodable, Sendable {
    /// `q_lora_rank`: the query bottleneck's width, or nil for a full-rank `q_proj`.
    var queryRank: Int?
    /// `kv_lora_rank`: the key-value latent's width.
    var keyValueRank: Int
    /// `qk_nope_head_dim`: the dimensions of a query or key head that are not rotated.
    var unrotatedHeadDim: Int
    /// `qk_rope_head_dim`: the rotated dimensions, after the others (one rotated key shared by every head).
    var rotatedHeadDim: Int
    /// `v_head_dim`.
    var valueHeadDim: Int
    /// `rope_interleave`: whether the rotated dimensions are stored as interleaved pairs (default true).
    var interleavedRope: Bool
    /// The attention scores' scale: `1/√qk_head_dim`, times the square of YaRN's magnitude for
    /// `mscale_all_dim` when the rope is scaled (as DeepSeek-V3's configs have it).
    var attentionScale: Double

    enum CodingKeys: String, CodingKey {
        case queryRank = "q_lora_rank", keyValueRank = "kv_lora_rank", unrotatedHeadDim = "qk_nope_head_dim"
        case rotatedHeadDim = "qk_rope_head_dim", valueHeadDim = "v_head_dim", interleavedRope = "rope_interleave"
        case ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
    }

    init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queryRank = try c.decodeSizeIfPresent(forKey: .queryRank)
        keyValueRank = try c.decodeSize(forKey: .keyValueRank)
        unrotatedHeadDim = try c.decodeSize(forKey: .unrotatedHeadDim)
        rotatedHeadDim = try c.decodeSize(forKey: .rotatedHeadDim)
        guard rotatedHeadDim % 2 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: .rotatedHeadDim, in: c, debugDescription: "\(rotatedHeadDim) is not even")
        }
        valueHeadDim = try c.decodeSize(forKey: .valueHeadDim)
        interleavedRope = try c.decodeIfPresent(Bool.self, forKey: .interleavedRope) ?? true
        attentionScale = 1 / Double(unrotatedHeadDim + rotatedHeadDim).squareRoot()
        let rope = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
            ?? c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
        if let rope, (rope.ropeType ?? rope.type ?? "default") != "default", let all = rope.mscaleAllDim, all != 0 {
            let magnitude = RopeConfiguration.yarnMagnitude(rope.factor ?? 1, all)
            attentionScale *= magnitude * magnitude
        }
    }

    /// A query or key head's width.
    var queryKeyHeadDim: Int { unrotatedHeadDim + rotatedHeadDim }
}
