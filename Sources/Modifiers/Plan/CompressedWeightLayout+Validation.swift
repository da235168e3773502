import Checkpoint
import CompressedTensors

extension CompressedWeightLayout {
    /// Refuses a weight the layout cannot hold, naming it: an empty one, or columns that are not a
    /// whole number of the layout's groups. `oneshot` refuses such a weight before reading any data,
    /// and `verify` reports it.
    public func validate(_ weight: TensorInfo) throws(ModifierError) {
        try requireNonEmpty(weight)
        if let groupSize = encoding.groupSize { try requireWholeGroups(weight, groupSize: groupSize) }
    }
}
