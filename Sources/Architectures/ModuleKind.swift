/// What a module of the model is, as far as quantization cares.
public enum ModuleKind: String, Sendable {
    /// A `torch.nn.Linear`: what `targets: [Linear]` selects.
    case linear
    case embedding
    case norm
    /// An MoE router (`MixtralTopKRouter` and kin in transformers 5): never quantized, listed in `ignore`.
    case router
    case other

    /// The class name that recipe targets match (`Linear`); other kinds match by module name only.
    public var className: String {
        switch self {
        case .linear: return "Linear"
        case .embedding: return "Embedding"
        case .norm: return "RMSNorm"
        case .router: return "Router"
        case .other: return "Module"
        }
    }
}
