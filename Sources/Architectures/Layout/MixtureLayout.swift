/// The sparse mixture-of-experts MLP of a decoder block.
public struct MixtureLayout: Sendable, Equatable {
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
    /// Whether the chosen experts' weights are rescaled to sum to 1 when config.json has no
    /// `norm_topk_prob`.
    public var normalizesTopKByDefault: Bool
    /// Whether config.json picks the sparse layers (`decoder_sparse_step`, `mlp_only_layers`);
    /// otherwise every layer is sparse.
    public var configuredSparseLayers: Bool

    public init(module: String, router: String = "gate", experts: String = "experts", expert: FeedForwardLayout,
                sharedExpert: SharedExpertLayout? = nil, normalizesTopKByDefault: Bool, configuredSparseLayers: Bool) {
        self.module = module
        self.router = router
        self.experts = experts
        self.expert = expert
        self.sharedExpert = sharedExpert
        self.normalizesTopKByDefault = normalizesTopKByDefault
        self.configuredSparseLayers = configuredSparseLayers
    }

    /// The module's children in the order the model defines them.
    var definitionOrder: [String] {
        [router, experts] + (sharedExpert.map { [$0.module, $0.gate] } ?? [])
    }
}

/// A shared expert (Qwen2-MoE): an MLP every token goes through, scaled by `σ(gate(x))`.
public struct SharedExpertLayout: Sendable, Equatable {
    /// Its name in the mixture module (`shared_expert`).
    public var module: String
    /// The `hidden → 1` Linear whose sigmoid scales it (`shared_expert_gate`), beside it in the
    /// mixture module. A Linear, quantized like any other.
    public var gate: String
    /// Its projections.
    public var projections: FeedForwardLayout

    public init(module: String = "shared_expert", gate: String = "shared_expert_gate", projections: FeedForwardLayout = FeedForwardLayout()) {
        self.module = module
        self.gate = gate
        self.projections = projections
    }
}
