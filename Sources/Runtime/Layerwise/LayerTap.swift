import Architectures

/// A place inside a decoder block where a ``LayerTap`` sees the activations, named by the Linear
/// layers that read them.
public enum LayerSite: String, Sendable, CaseIterable {
    /// The normed hidden state entering the query, key and value projections.
    case attentionInput
    /// The attention output entering the output projection (`o_proj`).
    case attentionOutput
    /// The normed hidden state entering the gate and up projections.
    case feedForwardInput
    /// The gated activation entering the down projection.
    case feedForwardInner
    /// The keys after the rotary embedding, as the KV cache stores them.
    case keys
    /// The values, as the KV cache stores them.
    case values
}

/// Receives the activations of a block as ``LayerwiseModel/run(_:hidden:rows:tap:)`` computes them:
/// what calibration observers, Hessian accumulators and smoothing statistics read.
public protocol LayerTap: AnyObject {
    /// `rows` rows of `width` values at `site`, consecutive rows `stride` values apart. The values
    /// are valid only during the call.
    func observe(_ site: LayerSite, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int)
}

extension LayerSite {
    /// The site whose activations a Linear layer reading `input` sees.
    public init(_ input: LinearInput) {
        switch input {
        case .attentionInput: self = .attentionInput
        case .attentionOutput: self = .attentionOutput
        case .feedForwardInput: self = .feedForwardInput
        case .feedForwardInner: self = .feedForwardInner
        }
    }
}

extension Architecture {
    /// The site whose activations Linear module `module` (a checkpoint module name such as
    /// `model.layers.3.self_attn.q_proj`) reads, or nil for modules outside the blocks' projections.
    public func site(ofLinear module: String) -> LayerSite? {
        layout.input(ofLinear: module).map(LayerSite.init)
    }
}
