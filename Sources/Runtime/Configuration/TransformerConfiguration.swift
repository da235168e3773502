import Checkpoint
import Foundation

/// The config.json keys that every supported decoder-only transformer shares. Architecture
/// configurations decode it from the same document and add their own keys.
///
/// Decoding refuses values no model holds, naming the key: sizes outside 1...2^40, a negative
/// `sliding_window`, an `rms_norm_eps` below 0, RoPE parameters that are not positive and
/// finite (``RopeConfiguration``). ``checkLayers(against:file:)`` then checks `num_hidden_layers`
/// against the checkpoint's tensors, before anything is allocated per layer.
public struct TransformerConfiguration: Decodable, Sendable {
    public var modelType: String
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    /// `num_key_value_heads`, or `num_attention_heads` when absent (no grouping).
    public var keyValueHeadCount: Int
    /// `head_dim` when given, else `hidden_size / num_attention_heads`.
    public var headDim: Int
    public var intermediateSize: Int
    public var vocabularySize: Int
    public var rmsNormEpsilon: Float
    /// `tie_word_embeddings`, or nil when the file does not say (each architecture has a default).
    public var tieWordEmbeddings: Bool?
    public var maxPositionEmbeddings: Int?
    public var rope: RopeConfiguration
    /// `sliding_window`, when set: 0 to 2^40 (0 only where no layer slides, ``DecoderSpec/checkSlidingWindows(file:)``).
    public var slidingWindow: Int?
    /// `layer_types` ("full_attention" / "sliding_attention"), when given.
    public var layerTypes: [String]?
    /// `hidden_act`, or `hidden_activation` (Gemma) when that is given.
    public var hiddenActivation: String?
    /// `attention_bias`, when given.
    public var attentionBias: Bool?
    /// `mlp_bias`, when given.
    public var mlpBias: Bool?
    /// `eos_token_id`, as a list (config.json may hold one id or several).
    public var endOfSequenceTokens: [Int]

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", hiddenSize = "hidden_size", layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads", keyValueHeadCount = "num_key_value_heads", headDim = "head_dim"
        case intermediateSize = "intermediate_size", vocabularySize = "vocab_size", rmsNormEpsilon = "rms_norm_eps"
        case tieWordEmbeddings = "tie_word_embeddings", maxPositionEmbeddings = "max_position_embeddings"
        case ropeTheta = "rope_theta", ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
        case partialRotaryFactor = "partial_rotary_factor"
        case slidingWindow = "sliding_window", layerTypes = "layer_types"
        case hiddenAct = "hidden_act", hiddenActivation = "hidden_activation"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias", eosTokenID = "eos_token_id"
    }

    public init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decode(String.self, forKey: .modelType)
        hiddenSize = try c.decodeSize(forKey: .hiddenSize)
        layerCount = try c.decodeSize(forKey: .layerCount)
        headCount = try c.decodeSize(forKey: .headCount)
        keyValueHeadCount = try c.decodeSizeIfPresent(forKey: .keyValueHeadCount) ?? headCount
        intermediateSize = try c.decodeSize(forKey: .intermediateSize)
        vocabularySize = try c.decodeSize(forKey: .vocabularySize)
        rmsNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .rmsNormEpsilon) ?? 1e-6
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings)
        maxPositionEmbeddings = try c.decodeSizeIfPresent(forKey: .maxPositionEmbeddings)
        slidingWindow = try c.decodeIfPresent(Int.self, forKey: .slidingWindow)
        layerTypes = try c.decodeIfPresent([String].self, forKey: .layerTypes)
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation)
            ?? c.decodeIfPresent(String.self, forKey: .hiddenAct)
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias)
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias)
        if let one = try? c.decodeIfPresent(Int.self, forKey: .eosTokenID) {
            endOfSequenceTokens = [one]
        } else {
            endOfSequenceTokens = (try? c.decodeIfPresent([Int].self, forKey: .eosTokenID)) ?? []
        }

        if let window = slidingWindow, !(0...TensorInfo.largestDimension).contains(window) {
            throw DecodingError.dataCorruptedError(forKey: .slidingWindow, in: c, debugDescription: "\(window) is not a window of 1 to 2^40 positions")
        }
        guard rmsNormEpsilon >= 0, rmsNormEpsilon.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: .rmsNormEpsilon, in: c, debugDescription: "\(rmsNormEpsilon) is not a finite number ≥ 0")
        }
        guard headCount % keyValueHeadCount == 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .keyValueHeadCount, in: c,
                debugDescription: "num_attention_heads \(headCount) is not a multiple of num_key_value_heads \(keyValueHeadCount)")
        }
        headDim = try c.decodeSizeIfPresent(forKey: .headDim) ?? hiddenSize / headCount
        guard headDim > 0, headDim % 2 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: .headDim, in: c, debugDescription: "head_dim \(headDim) must be even and positive")
        }
        let (queryWidth, overflow) = headCount.multipliedReportingOverflow(by: headDim)
        guard !overflow, queryWidth <= TensorInfo.largestDimension else {
            throw DecodingError.dataCorruptedError(
                forKey: .headDim, in: c, debugDescription: "num_attention_heads × head_dim (\(headCount) × \(headDim)) is more than 2^40")
        }
        if let types = layerTypes, types.count != layerCount {
            throw DecodingError.dataCorruptedError(
                forKey: .layerTypes, in: c, debugDescription: "layer_types has \(types.count) entries for \(layerCount) layers")
        }

        var parameters = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters).map { (key: "rope_parameters", values: $0) }
        if parameters == nil {
            parameters = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling).map { (key: "rope_scaling", values: $0) }
        }
        do {
            rope = try RopeConfiguration(
                parameters: parameters, theta: c.decodeIfPresent(Double.self, forKey: .ropeTheta),
                partialRotaryFactor: c.decodeIfPresent(Double.self, forKey: .partialRotaryFactor),
                maxPositions: maxPositionEmbeddings)
        } catch let error as RuntimeError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: error.description))
        }
    }

    /// The sliding window of every layer, from `layer_types` when given, else from `fallback`
    /// (whether layer `i` slides when the file does not list layer types). Nil means full attention.
    public func slidingWindows(fallback: (Int) -> Bool) -> [Int?] {
        (0..<layerCount).map { i in
            let slides = layerTypes.map { $0[i] == "sliding_attention" } ?? fallback(i)
            return slides ? slidingWindow : nil
        }
    }
}

extension JSONDecoder {
    /// Decodes `type` from a config.json's bytes, turning decoding errors into one readable line.
    static func configuration<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws(RuntimeError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalidConfiguration(file: file, reason: "missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalidConfiguration(file: file, reason: "'\(path)': \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalidConfiguration(file: file, reason: path.isEmpty ? context.debugDescription : "'\(path)': \(context.debugDescription)")
        } catch {
            throw .invalidConfiguration(file: file, reason: "\(error)")
        }
    }
}
