/// The sparse mixture-of-experts MLP of a decoder block.
public struct MixtureLayout: Sendable, Equatable {
    /// How the router's logits choose and weigh the experts of a token.
    public enum Routing: Sendable, Equatable {
        /// Softmax over all experts, the `num_experts_per_tok` most probable chosen (Mixtral, Qwen-MoE).
        case softmax
        /// DeepSeek-V3's: sigmoid scores; the experts are chosen on the scores plus the router's
        /// `scoreCorrectionBias` parameter, among the `topk_group` groups (of `n_group`) whose two
        /// best such scores sum highest; the chosen scores (rescaled to sum to 1 when
        /// `norm_topk_prob`) times `routed_scaling_factor` weigh them.
        case groupLimitedSigmoid(scoreCorrectionBias: String)
    }

    /// Which blocks are sparse; the others keep the dense MLP.
    public enum SparseLayers: Sendable, Equatable {
        /// Every block (Mixtral).
        case all
        /// As config.json's `decoder_sparse_step` and `mlp_only_layers` say (Qwen-MoE).
        case configuredStep
        /// Every block after the first `first_k_dense_replace` (DeepSeek-V3, GLM-4-MoE).
        case afterFirstDense
    }

    /// The module's name in its block (`block_sparse_moe`, `mlp`).
    public var module: String
    /// The router's name in the module (`gate`): a Linear layer in the checkpoint, but never
    /// quantized (transformers 5 makes it a router class of its own, which llm-compressor 0.14
    /// does not target as `Linear`), and listed in the quantization_config's `ignore`.
    public var router: String
    /// The experts' container in the module: expert `e` is `experts.e`.
    public var experts: String
    /// The projections of every expert.
    public var expert: FeedForwardLayout
    /// The always-on shared expert, when the family has one.
    public var sharedExpert: SharedExpertLayout?
    public var routing: Routing
    /// Whether the chosen experts' weights are rescaled to sum to 1 when config.json has no
    /// `norm_topk_prob`.
    public var normalizesTopKByDefault: Bool
    public var sparseLayers: SparseLayers
    /// The names transformers 5 gives the module and its experts' projections where they differ
    /// from the checkpoint's; nil where they are the same.
    public var transformersNames: TransformersNames?
    /// The module's children in the order the model defines them.
    let definitionOrder: [String]

    /// `definitionOrder` defaults to the router, the experts, then the shared expert and its gate.
    public init(module: String, router: String = "gate", experts: String = "experts", expert: FeedForwardLayout,
                sharedExpert: SharedExpertLayout? = nil, routing: Routing = .softmax, normalizesTopKByDefault: Bool,
                sparseLayers: SparseLayers, transformersNames: TransformersNames? = nil, definitionOrder: [String]? = nil) {
        self.module = module
        self.router = router
        self.experts = experts
        self.expert = expert
        self.sharedExpert = sharedExpert
        self.routing = routing
        self.normalizesTopKByDefault = normalizesTopKByDefault
        self.sparseLayers = sparseLayers
        self.transformersNames = transformersNames
        self.definitionOrder = definitionOrder ?? [router, experts] + (sharedExpert.map { [$0.module] + ($0.gate.map { [$0] } ?? []) } ?? [])
    }
}

/// How transformers 5 renames a mixture it loads, and llm-compressor 0.14 names the experts it
/// splits into Linear layers (Mixtral's `block_sparse_moe.experts.N.{w1,w3,w2}` become
/// `mlp.experts.N.{gate,up,down}_proj`): what llm-compressor's recipe patterns are written against.
public struct TransformersNames: Sendable, Equatable {
    /// The mixture module's name in its block.
    public var module: String
    /// Each expert's projections.
    public var expert: FeedForwardLayout

    public init(module: String, expert: FeedForwardLayout = FeedForwardLayout()) {
        self.module = module
        self.expert = expert
    }
}

/// A shared expert: an MLP every token goes through, added to the routed experts' output, scaled
/// by `σ(gate(x))` when it has a gate (Qwen2-MoE).
public struct SharedExpertLayout: Sendable, Equatable {
    /// Its name in the mixture module (`shared_expert`, DeepSeek's `shared_experts`).
    public var module: String
    /// The `hidden → 1` Linear whose sigmoid scales it (`shared_expert_gate`), beside it in the
    /// mixture module, or nil when it is not scaled. A Linear, quantized like any other.
    public var gate: String?
    /// Its projections.
    public var projections: FeedForwardLayout

    public init(module: String = "shared_expert", gate: String? = "shared_expert_gate", projections: FeedForwardLayout = FeedForwardLayout()) {
        self.module = module
        self.gate = gate
        self.projections = projections
    }
}
