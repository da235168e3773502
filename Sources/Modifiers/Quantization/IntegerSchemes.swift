import CompressedTensors
import Recipes

/// The integer quantization this port computes: compressed-tensors' integer encodings
/// (``IntegerEncoding``) with the ranges of the group's weight observer.
enum IntegerSchemes {
    /// The grid and granularity of integer weight args with `observer`'s ranges, or why they are not supported.
    static func kernel(group: String, weights: QuantizationArgs, observer: WeightObserver) throws(ModifierError) -> IntegerWeightKernel {
        let encoding: IntegerEncoding
        do { encoding = try IntegerEncoding(group: group, weights: weights) } catch { throw .compressedTensors(error) }
        return IntegerWeightKernel(grid: IntegerGrid(bits: encoding.bits, symmetric: encoding.symmetric), granularity: encoding.granularity,
                                   observer: observer)
    }

    /// Refuses a weight observer other than min-max under GPTQ (any weight type), at `position`
    /// (the modifier's): GPTQ here computes its scales from the min-max statistics of the weight.
    static func requireGPTQObserver(_ weights: QuantizationArgs, group: String, position: String) throws(ModifierError) {
        guard let observer = weights.observer,
              !["minmax", "static_minmax", "memoryless_minmax"].contains(ObserverNames.registered(observer)) else { return }
        throw .unsupportedObserver(position: position, group: group, observer: observer,
                                   reason: "GPTQ computes its scales with min-max here (use memoryless_minmax)")
    }
}
