import Checkpoint
import JSON
import Recipes

/// What AWQ compares its candidate scales with for one balance layer: the weight quantized by its
/// config group's format with min-max scales and dequantized (llm-compressor 0.14 patches the
/// weight observers to `memoryless_minmax` for the grid search, then `forward_quantize`s the
/// weight), through the same frozen quantization GPTQ uses (``FreezingWeightQuantizer``).
struct AWQFakeQuantizer {
    let quantizer: any FreezingWeightQuantizer
    let strategy: QuantizationStrategy
    let groupSize: Int?
    /// The rows and columns one scale covers, for block weights.
    let block: (rows: Int, columns: Int)?
    /// The config group, for errors.
    let group: String

    /// - Throws: `unsupportedModifier`, at `position` (the AWQ modifier's), for weights AWQ cannot
    ///   fake-quantize here.
    init(scheme: QuantizationScheme, group: String, position: String) throws(ModifierError) {
        func refuse(_ reason: String) -> ModifierError {
            .unsupportedModifier(name: "\(position): AWQModifier", reason: "config group '\(group)': \(reason)")
        }
        guard let args = scheme.weights, [.tensor, .channel, .group, .tensorGroup, .block].contains(args.strategy) else {
            throw refuse("AWQ needs weights quantized per tensor, channel, group or block here, not per \(scheme.weights?.strategy.rawValue ?? "nothing")")
        }
        if args.strategy == .block {
            guard let structure = args.blockStructure, structure.count == 2 else { throw refuse("block weights without a block_structure") }
            block = (structure[0], structure[1])
        } else {
            block = nil
        }
        var minMax = scheme
        minMax.weights?.observer = nil
        minMax.weights?.observerKwargs = JSONObject()
        let made = try QuantizerFactory.make(group: group, scheme: minMax, position: position).quantizer
        guard let quantizer = made as? any FreezingWeightQuantizer else {
            throw refuse("AWQ cannot fake-quantize the weights of \(type(of: made))")
        }
        self.quantizer = quantizer
        self.group = group
        strategy = args.strategy
        groupSize = args.groupSize
    }

    /// llm-compressor 0.14's weight means (duo scaling) split a block weight into whole blocks,
    /// and fail on a weight they do not tile.
    /// - Throws: `unsupportedModifier` at `position` for such a `tensor`.
    func requireWholeBlocks(_ tensor: TensorInfo, position: String) throws(ModifierError) {
        guard let block, tensor.shape.count == 2, tensor.shape[0] % block.rows != 0 || tensor.shape[1] % block.columns != 0 else { return }
        throw .unsupportedModifier(
            name: "\(position): AWQModifier",
            reason: "config group '\(group)': '\(tensor.name)' \(tensor.shape) is not a whole number of \(block.rows)×\(block.columns) blocks, which AWQ's duo scaling needs (llm-compressor 0.14 fails on it too); leave it out of the mappings or set duo_scaling: false")
    }

    /// Adds to `sums` (one per column) each value's magnitude over the largest magnitude of its
    /// block (`_compute_layer_means` with block weights), for `values` (`rows × columns`).
    func addBlockMagnitudes(_ values: [Float], columns: Int, to sums: inout [Double]) {
        guard let block else { return }
        let rows = values.count / columns
        for top in stride(from: 0, to: rows, by: block.rows) {
            for left in stride(from: 0, to: columns, by: block.columns) {
                let tileRows = top..<Swift.min(top + block.rows, rows), tileColumns = left..<Swift.min(left + block.columns, columns)
                var peak: Float = 0
                for r in tileRows { for c in tileColumns { peak = Swift.max(peak, abs(values[r * columns + c])) } }
                peak += 1e-6
                for r in tileRows { for c in tileColumns { sums[c] += Double(abs(values[r * columns + c]) / peak) } }
            }
        }
    }

    /// How many consecutive values of a row share one scale.
    func chunk(columns: Int, count: Int) -> Int {
        switch strategy {
        case .tensor: return count
        case .group, .tensorGroup: return groupSize ?? columns
        default: return columns
        }
    }

    /// `values` (`rows × columns` of `tensor`, already representable in its dtype) quantized and
    /// dequantized; `context` holds the fused group's largest magnitude (NVFP4's global scale).
    func apply(_ values: [Float], tensor: TensorInfo, threads: Int, context: QuantizationContext) throws(ModifierError) -> [Float] {
        try quantizer.roundTrip(values, weight: tensor, threads: threads, context: context)
    }
}
