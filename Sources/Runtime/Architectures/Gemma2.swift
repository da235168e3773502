/// The Gemma-2 config.json: the shared keys, soft-capping and the query scale.
public struct Gemma2Configuration: DecoderConfiguration, Sendable {
    public var base: TransformerConfiguration
    /// `attn_logit_softcapping`, nil when null.
    public var attentionSoftcap: Float?
    /// `final_logit_softcapping`, nil when null.
    public var finalLogitSoftcap: Float?
    /// `query_pre_attn_scalar`: scores are scaled by its inverse square root (default `head_dim`).
    public var queryPreAttentionScalar: Float

    enum CodingKeys: String, CodingKey {
        case attentionSoftcap = "attn_logit_softcapping", finalLogitSoftcap = "final_logit_softcapping"
        case queryPreAttentionScalar = "query_pre_attn_scalar"
    }

    public init(from decoder: Swift.Decoder) throws {
        base = try TransformerConfiguration(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attentionSoftcap = try c.decodePositiveIfPresent(Float.self, forKey: .attentionSoftcap)
        finalLogitSoftcap = try c.decodePositiveIfPresent(Float.self, forKey: .finalLogitSoftcap)
        queryPreAttentionScalar = try c.decodePositiveIfPresent(Float.self, forKey: .queryPreAttentionScalar) ?? Float(base.headDim)
    }

    public var transformer: TransformerConfiguration { base }
}

/// Gemma-2: Gemma's conventions plus norms after attention and after the MLP, soft-capped
/// attention scores and logits, and sliding-window attention on alternate layers (even layers
/// when `layer_types` is absent).
public enum Gemma2: DecoderArchitecture {
    public typealias Configuration = Gemma2Configuration
    public static let modelTypes = ["gemma2"]

    public static func spec(for configuration: Gemma2Configuration) throws(RuntimeError) -> DecoderSpec {
        var base = configuration.base
        base.slidingWindow = base.slidingWindow ?? 4096
        var spec = DecoderSpec(base, tiedByDefault: true)
        Gemma.applyGemmaConventions(to: &spec, base)
        spec.activation = try Activation(configName: base.hiddenActivation ?? "gelu_pytorch_tanh")
        spec.attentionScale = 1 / configuration.queryPreAttentionScalar.squareRoot()
        spec.attentionSoftcap = configuration.attentionSoftcap
        spec.finalLogitSoftcap = configuration.finalLogitSoftcap
        spec.sandwichNorms = true
        spec.slidingWindows = base.slidingWindows { $0 % 2 == 0 }
        return spec
    }
}
