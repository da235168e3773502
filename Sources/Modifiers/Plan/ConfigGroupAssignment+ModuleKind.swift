import Architectures
import CompressedTensors

extension ConfigGroupAssignment {
    /// The index of the group that quantizes `module`, a module of `kind`: nil when it is ignored,
    /// when no target matches it, or when it is an MoE router (never quantized). Linear and
    /// Embedding layers are quantized alike (compressed-tensors stores an embedding table as a
    /// Linear weight). `oneshot` plans
    /// with this rule, and `verify` checks a checkpoint with it.
    /// - Throws: `notLinear` when a target matches a module that is neither a Linear nor an Embedding layer;
    ///   `compressedTensors` when a pattern runs out of its matching step budget.
    public func group(ofModule module: String, kind: ModuleKind) throws(ModifierError) -> Int? {
        let match: Match?
        do { match = try group(ofModule: module, className: kind.className) } catch { throw .compressedTensors(error) }
        guard let match else { return nil }
        switch kind {
        case .linear, .embedding: return match.group
        case .router: return nil
        default:
            throw .notLinear(module: module, kind: kind == .other ? "not a known module" : "a \(kind.rawValue) layer", target: match.target)
        }
    }
}
