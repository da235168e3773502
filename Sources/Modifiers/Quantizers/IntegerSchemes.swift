import CompressedTensors
import Recipes

/// The integer quantization this port computes: compressed-tensors' integer encodings
/// (``IntegerEncoding``) with the statistics of a min-max weight observer.
enum IntegerSchemes {
    /// Weight observers whose statistics, for a weight seen once, are its plain minimum and maximum.
    static let minMaxObservers: Set<String> = ["minmax", "static_minmax", "memoryless_minmax"]

    /// The grid and granularity of integer weight args, or why they are not supported.
    static func kernel(group: String, weights: QuantizationArgs) throws(ModifierError) -> IntegerWeightKernel {
        let encoding: IntegerEncoding
        do { encoding = try IntegerEncoding(group: group, weights: weights) } catch { throw .compressedTensors(error) }
        if let observer = weights.observer, !minMaxObservers.contains(ObserverNamesKey.standard(observer)) {
            throw .unsupportedScheme(group: group, reason: "weight observer '\(observer)' is not supported for integer weights (use memoryless_minmax)")
        }
        return IntegerWeightKernel(grid: IntegerGrid(bits: encoding.bits, symmetric: encoding.symmetric), granularity: encoding.granularity)
    }
}

/// Observer names compared as llm-compressor's registry compares them: case-insensitive, with
/// `-`, `_` and spaces equivalent.
private enum ObserverNamesKey {
    static func standard(_ name: String) -> String {
        String(name.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
    }
}
