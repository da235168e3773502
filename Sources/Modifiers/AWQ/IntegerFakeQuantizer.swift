import Checkpoint
import Recipes

/// Quantizes and dequantizes integer weights in place of their values (llm-compressor's
/// `forward_quantize` on a weight), with the same arithmetic as the integer quantizers that write
/// them (``IntegerGrid``, every step rounded to the weight's dtype): what AWQ compares its
/// candidate scales with.
struct IntegerFakeQuantizer: Sendable {
    let grid: IntegerGrid
    let strategy: QuantizationStrategy
    let groupSize: Int?

    /// - Throws: `unsupportedScheme` for weights other than integer per-tensor, per-channel or per-group.
    init(args: QuantizationArgs, group: String) throws(ModifierError) {
        guard args.type == .int, (1...8).contains(args.numBits), [.tensor, .channel, .group].contains(args.strategy) else {
            throw .unsupportedScheme(group: group, reason: "AWQ needs integer weights quantized per tensor, channel or group, not \(args.numBits)-bit \(args.type) per \(args.strategy)")
        }
        grid = IntegerGrid(bits: args.numBits, symmetric: args.symmetric)
        strategy = args.strategy
        groupSize = args.groupSize
    }

    /// How many consecutive values of a row share one scale.
    func chunk(columns: Int, count: Int) -> Int {
        switch strategy {
        case .tensor: return count
        case .group: return groupSize ?? columns
        default: return columns
        }
    }

    /// `values` (`rows × columns`, already representable in `dtype`) quantized and dequantized.
    func apply(_ values: [Float], columns: Int, dtype: DType) -> [Float] {
        switch dtype {
        case .bf16: return apply(BF16Storage.self, values, columns: columns)
        case .f16: return apply(F16Storage.self, values, columns: columns)
        default: return apply(F32Storage.self, values, columns: columns)
        }
    }

    private func apply<S: WeightStorage>(_ storage: S.Type, _ values: [Float], columns: Int) -> [Float] {
        let size = chunk(columns: columns, count: values.count)
        let bits = values.map(S.bits)
        var codes = [Int8](repeating: 0, count: size)
        var result = [Float](repeating: 0, count: values.count)
        bits.withUnsafeBufferPointer { source in
            for start in stride(from: 0, to: values.count, by: size) {
                let count = Swift.min(size, values.count - start)
                let slice = values[start..<(start + count)]
                let (scale, zeroPoint) = grid.parameters(S.self, minimum: slice.min() ?? 0, maximum: slice.max() ?? 0)
                grid.quantize(S.self, source.baseAddress! + start, count: count, scale: scale, zeroPoint: zeroPoint, into: &codes)
                let s = S.float(scale)
                for i in 0..<count { result[start + i] = grid.dequantize(S.self, codes[i], scale: s, zeroPoint: zeroPoint) }
            }
        }
        return result
    }
}
