/// The Linear layers that read one input, as a checkpoint stores them.
public enum Projections: Sendable, Equatable {
    /// One Linear per part (`q_proj`, `k_proj`, `v_proj`), in the order their outputs are
    /// concatenated. Inference engines load them as one matrix (vLLM's `qkv_proj`), so they form a
    /// fused group that shares tensor-wide statistics such as NVFP4's global scale.
    case separate([String])
    /// Every part stored in one Linear, the parts' rows one after the other (Phi-3's `qkv_proj`).
    case fused(String)

    /// The names of the Linear layers, in order.
    public var names: [String] {
        switch self {
        case let .separate(names): return names
        case let .fused(name): return [name]
        }
    }

    /// Whether every part is stored in one Linear.
    public var isFused: Bool {
        if case .fused = self { return true }
        return false
    }

    /// The fused group these layers form, when they are stored apart.
    var fusedGroup: [String]? {
        if case let .separate(names) = self, names.count > 1 { return names }
        return nil
    }
}
