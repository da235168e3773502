import Foundation

/// How a model rotates queries and keys: the base frequency, the share of each head that rotates,
/// and the scaling of the frequencies for long contexts.
///
/// Read from either form transformers writes: transformers 5's `rope_parameters`
/// (`{"rope_theta": …, "rope_type": …, …}`) or the older top-level `rope_theta` with a
/// `rope_scaling` object (`type` or `rope_type`).
public struct RopeConfiguration: Sendable, Equatable {
    /// How the inverse frequencies are changed from the plain `theta^(-2i/d)`.
    public enum Scaling: Sendable, Equatable {
        /// Frequencies as they are (`rope_type` "default").
        case none
        /// Positions divided by `factor` (`rope_type` "linear").
        case linear(factor: Double)
        /// Llama 3.1's band-wise scaling (`rope_type` "llama3").
        case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Double)
        /// YaRN: a ramp between interpolated and extrapolated frequencies, and cos/sin scaled
        /// by `attentionFactor` (`rope_type` "yarn").
        case yarn(factor: Double, originalContext: Double, betaFast: Double, betaSlow: Double, attentionFactor: Double, truncate: Bool)
    }

    /// The base of the frequencies (`rope_theta`).
    public var theta: Double
    /// The share of each head's dimensions that rotate (`partial_rotary_factor`, Phi-3 style).
    public var partialRotaryFactor: Double
    public var scaling: Scaling

    public init(theta: Double = 10_000, partialRotaryFactor: Double = 1, scaling: Scaling = .none) {
        self.theta = theta
        self.partialRotaryFactor = partialRotaryFactor
        self.scaling = scaling
    }
}

/// The keys of a RoPE parameter object, in either spelling.
struct RopeParameters: Decodable {
    var ropeTheta: Double?
    var ropeType: String?
    var type: String?
    var factor: Double?
    var lowFreqFactor: Double?
    var highFreqFactor: Double?
    var originalMaxPositionEmbeddings: Double?
    var betaFast: Double?
    var betaSlow: Double?
    var attentionFactor: Double?
    var mscale: Double?
    var mscaleAllDim: Double?
    var truncate: Bool?
    var partialRotaryFactor: Double?

    enum CodingKeys: String, CodingKey {
        case ropeTheta = "rope_theta", ropeType = "rope_type", type, factor
        case lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
        case betaFast = "beta_fast", betaSlow = "beta_slow", attentionFactor = "attention_factor"
        case mscale, mscaleAllDim = "mscale_all_dim", truncate
        case partialRotaryFactor = "partial_rotary_factor"
    }
}

extension RopeConfiguration {
    /// Builds the configuration from the pieces a config.json may hold.
    ///
    /// - Parameters:
    ///   - parameters: `rope_parameters` (transformers 5) or `rope_scaling` (older), if any.
    ///   - theta: the top-level `rope_theta`, if any; `rope_parameters.rope_theta` wins.
    ///   - partialRotaryFactor: the top-level `partial_rotary_factor`, if any.
    ///   - maxPositions: `max_position_embeddings`, the fallback for the original context length.
    init(parameters: RopeParameters?, theta: Double?, partialRotaryFactor: Double?, maxPositions: Int?) throws(RuntimeError) {
        self.theta = parameters?.ropeTheta ?? theta ?? 10_000
        self.partialRotaryFactor = parameters?.partialRotaryFactor ?? partialRotaryFactor ?? 1
        let kind = parameters?.ropeType ?? parameters?.type ?? "default"
        let factor = parameters?.factor ?? 1
        let original = parameters?.originalMaxPositionEmbeddings ?? maxPositions.map(Double.init)
        switch kind {
        case "default":
            scaling = .none
        case "linear":
            scaling = .linear(factor: factor)
        case "llama3":
            guard let original else { throw .unsupportedRopeType("llama3 without original_max_position_embeddings") }
            scaling = .llama3(
                factor: factor, lowFrequencyFactor: parameters?.lowFreqFactor ?? 1,
                highFrequencyFactor: parameters?.highFreqFactor ?? 4, originalContext: original)
        case "yarn":
            guard let original else { throw .unsupportedRopeType("yarn without original_max_position_embeddings") }
            let attention: Double
            if let given = parameters?.attentionFactor {
                attention = given
            } else if let m = parameters?.mscale, let all = parameters?.mscaleAllDim, m != 0, all != 0 {
                attention = Self.yarnMagnitude(factor, m) / Self.yarnMagnitude(factor, all)
            } else {
                attention = Self.yarnMagnitude(factor, 1)
            }
            scaling = .yarn(
                factor: factor, originalContext: original, betaFast: parameters?.betaFast ?? 32,
                betaSlow: parameters?.betaSlow ?? 1, attentionFactor: attention, truncate: parameters?.truncate ?? true)
        default:
            throw .unsupportedRopeType(kind)
        }
    }

    /// YaRN's magnitude correction `0.1·m·ln(s) + 1` (1 when the factor does not stretch).
    static func yarnMagnitude(_ factor: Double, _ m: Double) -> Double {
        factor <= 1 ? 1 : 0.1 * m * Foundation.log(factor) + 1
    }
}
