import Architectures

/// A place inside a decoder block where a ``LayerTap`` sees the activations, named by the Linear
/// layers that read them.
public enum LayerSite: Hashable, Sendable {
    /// The normed hidden state entering the query, key and value projections.
    case attentionInput
    /// The attention output entering the output projection (`o_proj`).
    case attentionOutput
    /// The normed hidden state entering the gate and up projections.
    case feedForwardInput
    /// The gated activation entering the down projection.
    case feedForwardInner
    /// Latent attention's normed query latent entering `q_b_proj`.
    case latentQuery
    /// Latent attention's normed key-value latent entering `kv_b_proj`.
    case latentKeyValue
    /// The queries after the rotary embedding (and query norms), as attention reads them: what
    /// attention quantization's `q_scale` observes. Not seen in latent attention.
    case queries
    /// The keys after the rotary embedding, as the KV cache stores them. In latent attention,
    /// whose cache holds the compressed latent as transformers 5 caches it, the normed key-value
    /// latent (``latentKeyValue``'s rows).
    case keys
    /// The values, as the KV cache stores them. In latent attention, the rotated key part that
    /// every head shares.
    case values
    /// The tokens routed to expert `e` of a mixture, entering its gate and up projections; seen
    /// only by a tap that calibrates experts on their routed tokens (with every expert calibrated
    /// on every token, they are ``feedForwardInput``'s rows).
    case expertInput(Int)
    /// The gated activation entering expert `e`'s down projection, over the tokens its tap
    /// calibrates it on.
    case expertInner(Int)
    /// The gated activation entering the shared expert's down projection.
    case sharedExpertInner
    /// The final norm's output entering the output head (`lm_head`), after the last block.
    case headInput
}

/// Receives the activations of a block as ``LayerwiseModel/run(_:samples:batch:tap:)`` computes them:
/// what calibration observers, Hessian accumulators and smoothing statistics read.
public protocol LayerTap: AnyObject {
    /// `rows` rows of `width` values at `site`, consecutive rows `stride` values apart. The values
    /// are valid only during the call.
    func observe(_ site: LayerSite, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int)

    /// Whether every expert of a mixture runs on every token for this tap's statistics, as
    /// llm-compressor 0.14's `moe_calibrate_all_experts` (the default); the block's output still
    /// sums the routed experts' results only. When false, each expert is seen on the tokens routed
    /// to it (``LayerSite/expertInput(_:)``), with no rows for an expert that got none.
    var calibratesEveryExpert: Bool { get }
}

extension LayerTap {
    public var calibratesEveryExpert: Bool { true }
}

extension LayerSite {
    /// The site whose activations a Linear layer reading `input` sees.
    public init(_ input: LinearInput) {
        switch input {
        case .attentionInput: self = .attentionInput
        case .attentionOutput: self = .attentionOutput
        case .feedForwardInput: self = .feedForwardInput
        case .feedForwardInner: self = .feedForwardInner
        case .latentQuery: self = .latentQuery
        case .latentKeyValue: self = .latentKeyValue
        }
    }
}

extension LayerSite {
    /// The site whose activations a projection of a mixture reads, when every expert is calibrated
    /// on every token (`everyExpert`) or each on its routed tokens.
    public init(_ input: MixtureLinearInput, everyExpert: Bool) {
        switch input {
        case let .expertInput(e): self = everyExpert ? .feedForwardInput : .expertInput(e)
        case let .expertInner(e): self = .expertInner(e)
        case .sharedExpertInput: self = .feedForwardInput
        case .sharedExpertInner: self = .sharedExpertInner
        }
    }
}

extension Architecture {
    /// The site whose activations Linear module `module` (a checkpoint module name such as
    /// `model.layers.3.self_attn.q_proj` or `model.layers.3.mlp.experts.5.up_proj`) reads, or nil
    /// for other modules outside the blocks' projections (routers included); the output head reads
    /// ``LayerSite/headInput``. `everyExpert` tells how experts are calibrated
    /// (``LayerTap/calibratesEveryExpert``).
    public func site(ofLinear module: String, everyExpert: Bool = true) -> LayerSite? {
        if module == layout.head { return .headInput }
        if let input = layout.mixtureInput(ofLinear: module) { return LayerSite(input, everyExpert: everyExpert) }
        return layout.input(ofLinear: module).map(LayerSite.init)
    }
}
