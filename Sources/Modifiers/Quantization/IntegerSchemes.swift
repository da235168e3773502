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

    /// The kernel GPTQ quantizes with: its scales come from the min-max statistics of each block of columns.
    static func gptqKernel(group: String, weights: QuantizationArgs) throws(ModifierError) -> IntegerWeightKernel {
        if let observer = weights.observer, !["minmax", "static_minmax", "memoryless_minmax"].contains(ObserverNames.registered(observer)) {
            throw .unsupportedScheme(group: group, reason: "weight observer '\(observer)' is not supported with GPTQ (use memoryless_minmax)")
        }
        return try kernel(group: group, weights: weights, observer: .minMax)
    }
}
