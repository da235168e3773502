import Checkpoint

/// A Linear weight with no rows or no columns holds nothing to quantize, and every scale layout
/// divides by its dimensions: it is refused by name before any data is read, both when `oneshot`
/// plans it and when a checkpoint holding one is checked.
func requireNonEmpty(_ weight: TensorInfo) throws(ModifierError) {
    guard weight.shape.contains(0) else { return }
    throw .unquantizableWeight(
        tensor: weight.name, reason: "shape \(weight.shape) is empty; a Linear weight to quantize has at least one row and one column")
}
