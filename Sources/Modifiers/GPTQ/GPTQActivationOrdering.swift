/// The order in which GPTQ quantizes a weight's columns (compressed-tensors 0.19's
/// `ActivationOrdering`, as llm-compressor 0.14 applies it).
enum GPTQActivationOrdering: Sendable, Equatable {
    /// Left to right.
    case none
    /// By descending Hessian diagonal (the columns whose inputs are largest first), each column
    /// keeping the scale of its group in the original order, so the output format is unchanged.
    /// `"static"` is an alias.
    case weight

    /// The ordering an args' `actorder` names (nil: none). compressed-tensors 0.19 removed
    /// `"group"` (and its alias `"dynamic"`, and `true`), which wrote a `weight_g_idx`; it refuses
    /// them, and so do we.
    init(_ actorder: String?, tensor: String) throws(ModifierError) {
        switch actorder?.lowercased() {
        case nil: self = .none
        case "weight", "static": self = .weight
        case let other?:
            throw .unquantizableWeight(tensor: tensor, reason: "actorder '\(other)' has been removed from compressed-tensors 0.19 "
                + "(llm-compressor 0.14 refuses it too); use actorder 'weight' (or 'static') or none")
        }
    }
}
