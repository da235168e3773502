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
    ///   - parameters: `rope_parameters` (transformers 5) or `rope_scaling` (older), if any, with the key that holds them.
    ///   - theta: the top-level `rope_theta`, if any; `rope_parameters.rope_theta` wins.
    ///   - partialRotaryFactor: the top-level `partial_rotary_factor`, if any.
    ///   - maxPositions: `max_position_embeddings`, the fallback for the original context length.
    /// - Throws: `unsupportedRopeType`; `invalidArgument` naming the key of a value that is not
    ///   positive and finite, or of a `partial_rotary_factor` above 1.
    init(parameters given: (key: String, values: RopeParameters)?, theta: Double?, partialRotaryFactor: Double?, maxPositions: Int?) throws(RuntimeError) {
        let parameters = given?.values
        /// `value`, when positive and finite, read at `key` of the parameters (or at the top level without them).
        func positive(_ value: Double, _ key: String, topLevel: Bool = false) throws(RuntimeError) -> Double {
            guard value > 0, value.isFinite else {
                let path = topLevel ? key : "\(given?.key ?? "rope_parameters").\(key)"
                throw .invalidArgument("\(path) is \(value); it must be a positive finite number")
            }
            return value
        }
        /// The value of `key` in the parameters, else at the top level, else `fallback`.
        func value(_ key: String, _ inParameters: Double?, _ topLevel: Double?, fallback: Double) throws(RuntimeError) -> Double {
            if let inParameters { return try positive(inParameters, key) }
            if let topLevel { return try positive(topLevel, key, topLevel: true) }
            return fallback
        }
        self.theta = try value("rope_theta", parameters?.ropeTheta, theta, fallback: 10_000)
        self.partialRotaryFactor = try value("partial_rotary_factor", parameters?.partialRotaryFactor, partialRotaryFactor, fallback: 1)
        guard self.partialRotaryFactor <= 1 else {
            throw .invalidArgument("partial_rotary_factor is \(self.partialRotaryFactor); it must be at most 1")
        }
        let kind = parameters?.ropeType ?? parameters?.type ?? "default"
        let factor = try positive(parameters?.factor ?? 1, "factor")
        var original = maxPositions.map(Double.init)
        if let given = parameters?.originalMaxPositionEmbeddings { original = try positive(given, "original_max_position_embeddings") }
        switch kind {
        case "default":
            scaling = .none
        case "linear":
            scaling = .linear(factor: factor)
        case "llama3":
            guard let original else { throw .unsupportedRopeType("llama3 without original_max_position_embeddings") }
            scaling = .llama3(
                factor: factor, lowFrequencyFactor: try positive(parameters?.lowFreqFactor ?? 1, "low_freq_factor"),
                highFrequencyFactor: try positive(parameters?.highFreqFactor ?? 4, "high_freq_factor"), originalContext: original)
        case "yarn":
            guard let original else { throw .unsupportedRopeType("yarn without original_max_position_embeddings") }
            let attention: Double
            if let given = parameters?.attentionFactor {
                attention = try positive(given, "attention_factor")
            } else if let m = parameters?.mscale, let all = parameters?.mscaleAllDim, m != 0, all != 0 {
                attention = try positive(Self.yarnMagnitude(factor, m) / Self.yarnMagnitude(factor, all), "mscale")
            } else {
                attention = Self.yarnMagnitude(factor, 1)
            }
            scaling = .yarn(
                factor: factor, originalContext: original, betaFast: try positive(parameters?.betaFast ?? 32, "beta_fast"),
                betaSlow: try positive(parameters?.betaSlow ?? 1, "beta_slow"), attentionFactor: attention, truncate: parameters?.truncate ?? true)
        default:
            throw .unsupportedRopeType(kind)
        }
    }

    /// YaRN's magnitude correction `0.1·m·ln(s) + 1` (1 when the factor does not stretch).
    static func yarnMagnitude(_ factor: Double, _ m: Double) -> Double {
        factor <= 1 ? 1 : 0.1 * m * Foundation.log(factor) + 1
    }
}
