/// Gemma-2's config.json keys for soft-capping and the query scale.
struct SoftCappingConfiguration: Decodable, Sendable {
    /// `attn_logit_softcapping`, nil when null.
    var attentionSoftcap: Float?
    /// `final_logit_softcapping`, nil when null.
    var finalLogitSoftcap: Float?
    /// `query_pre_attn_scalar`: scores are scaled by its inverse square root (default `head_dim`).
    var queryPreAttentionScalar: Float?

    enum CodingKeys: String, CodingKey {
        case attentionSoftcap = "attn_logit_softcapping", finalLogitSoftcap = "final_logit_softcapping"
        case queryPreAttentionScalar = "query_pre_attn_scalar"
    }

    init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attentionSoftcap = try c.decodePositiveIfPresent(Float.self, forKey: .attentionSoftcap)
        finalLogitSoftcap = try c.decodePositiveIfPresent(Float.self, forKey: .finalLogitSoftcap)
        queryPreAttentionScalar = try c.decodePositiveIfPresent(Float.self, forKey: .queryPreAttentionScalar)
    }
}
