/// How a family's forward pass differs from Llama's, beyond its tensor names: what the runtime
/// reads to run it and calibration to keep its function when it rescales weights.
public struct ForwardConventions: Sendable, Equatable {
    /// How a norm's weight scales the normalized values.
    public enum NormScale: Sendable, Equatable {
        /// `w · x̂`.
        case weight
        /// `(1 + w) · x̂` (Gemma): the stored weight is an offset from 1.
        case onePlusWeight
    }

    /// Which layers attend within a sliding window when config.json has no `layer_types`.
    public enum SlidingWindows: Sendable, Equatable {
        /// None: full causal attention on every layer.
        case none
        /// Every layer, when `sliding_window` is set (Mistral).
        case everyLayer
        /// Layers from `max_window_layers` on, when `use_sliding_window` is true (Qwen).
        case fromMaxWindowLayers
        /// Even layers, with this window when config.json sets none (Gemma-2).
        case evenLayers(defaultWindow: Int)
    }

    /// The activation of the gated MLPs when config.json names none (`hidden_act`).
    public var defaultActivation = "silu"
    public var normScale = NormScale.weight
    /// Whether the token embeddings are multiplied by `√hidden_size` (Gemma).
    public var scalesEmbeddings = false
    /// Whether the output head is the token embedding when config.json has no `tie_word_embeddings`.
    public var tiesHeadByDefault = false
    /// Whether the query, key and value projections always have biases (Qwen2), whatever
    /// `attention_bias` says.
    public var queryKeyValueBias = false
    public var slidingWindows = SlidingWindows.none
    /// Gemma-2's soft-capped attention scores and logits (`attn_logit_softcapping`,
    /// `final_logit_softcapping`) and query scale (`query_pre_attn_scalar`).
    public var softCapping = false

    public init(defaultActivation: String = "silu", normScale: NormScale = .weight, scalesEmbeddings: Bool = false,
                tiesHeadByDefault: Bool = false, queryKeyValueBias: Bool = false, slidingWindows: SlidingWindows = .none,
                softCapping: Bool = false) {
        self.defaultActivation = defaultActivation
        self.normScale = normScale
        self.scalesEmbeddings = scalesEmbeddings
        self.tiesHeadByDefault = tiesHeadByDefault
        self.queryKeyValueBias = queryKeyValueBias
        self.slidingWindows = slidingWindows
        self.softCapping = softCapping
    }
}
