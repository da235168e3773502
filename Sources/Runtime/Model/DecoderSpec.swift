import Architectures

/// Everything the shared decoder forward pass needs to know about one model: sizes, the variant
/// of each block, and its family, whose layout names the tensors that hold the weights. Built by
/// the family's ``Architectures/Architecture`` from config.json.
public struct DecoderSpec: Sendable {
    /// The model's family: its tensor names and structure.
    public var architecture: Architecture
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var keyValueHeadCount: Int
    public var headDim: Int
    public var intermediateSize: Int
    public var vocabularySize: Int
    public var normEpsilon: Float
    /// Added to every RMSNorm weight: 0 for `w·x̂`, 1 for Gemma's `(1+w)·x̂`.
    public var normWeightOffset: Float = 0
    public var activation: Activation = .silu
    public var rope: RopeConfiguration
    /// Multiplies attention scores; `1/√head_dim` unless the architecture says otherwise.
    public var attentionScale: Float
    /// Multiplies the token embeddings before the first layer (Gemma: `√hidden_size`).
    public var embeddingScale: Float?
    /// Scores become `cap·tanh(score/cap)` before the softmax (Gemma-2).
    public var attentionSoftcap: Float?
    /// Logits become `cap·tanh(logit/cap)` (Gemma-2).
    public var finalLogitSoftcap: Float?
    /// The sliding window of each layer; nil for full causal attention.
    public var slidingWindows: [Int?]
    /// Whether the query, key and value projections must have biases (Qwen2, `attention_bias`);
    /// biases present in the checkpoint are used either way.
    public var queryKeyValueBias = false
    /// Whether the attention output projection must have a bias (`attention_bias`).
    public var outputBias = false
    /// Whether the MLP projections must have biases (`mlp_bias`).
    public var mlpBias = false
    /// The sparse mixture of experts that replaces the MLP of some layers (Mixtral, Qwen-MoE).
    public var mixture: MixtureSpec?
    /// The output head reuses the token embedding.
    public var tiedEmbeddings: Bool
    /// Tokens that end generation.
    public var endOfSequenceTokens: [Int]
    /// The positions the model was trained for (`max_position_embeddings`), when config.json gives it.
    public var contextLength: Int?

    /// A spec with the sizes and common settings of `configuration`, the norms and head of
    /// `architecture`, and Llama's attention and activation.
    public init(_ configuration: TransformerConfiguration, architecture: Architecture) {
        self.architecture = architecture
        hiddenSize = configuration.hiddenSize
        layerCount = configuration.layerCount
        headCount = configuration.headCount
        keyValueHeadCount = configuration.keyValueHeadCount
        headDim = configuration.headDim
        intermediateSize = configuration.intermediateSize
        vocabularySize = configuration.vocabularySize
        normEpsilon = configuration.rmsNormEpsilon
        normWeightOffset = architecture.conventions.normScale == .onePlusWeight ? 1 : 0
        rope = configuration.rope
        attentionScale = 1 / Float(configuration.headDim).squareRoot()
        slidingWindows = Array(repeating: nil, count: configuration.layerCount)
        queryKeyValueBias = architecture.conventions.queryKeyValueBias || configuration.attentionBias == true
        outputBias = configuration.attentionBias ?? false
        mlpBias = configuration.mlpBias ?? false
        tiedEmbeddings = configuration.tieWordEmbeddings ?? architecture.conventions.tiesHeadByDefault
        endOfSequenceTokens = configuration.endOfSequenceTokens
        contextLength = configuration.maxPositionEmbeddings
    }

    /// The width of the query projection's output.
    public var queryWidth: Int { headCount * headDim }
    /// The width of the key (and value) projection's output.
    public var keyValueWidth: Int { keyValueHeadCount * headDim }
}

/// The sparse mixture-of-experts MLP of an architecture (see ``MixtureOfExperts``).
public struct MixtureSpec: Sendable {
    /// Experts per sparse layer.
    public var expertCount: Int
    /// Experts each token is routed to.
    public var expertsPerToken: Int
    /// The gate and up width of each routed expert.
    public var expertIntermediateSize: Int
    /// The gate and up width of the always-on shared expert; nil for none.
    public var sharedExpertIntermediateSize: Int?
    /// Whether the chosen experts' weights are rescaled to sum to 1.
    public var normalizeTopK: Bool
    /// Whether each layer's MLP is sparse; the others keep a dense MLP of `intermediateSize`.
    public var sparseLayers: [Bool]
}
