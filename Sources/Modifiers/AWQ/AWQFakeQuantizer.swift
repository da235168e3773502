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

    /// - Throws: `unsupportedModifier`, at `position` (the AWQ modifier's), for weights AWQ cannot
    ///   fake-quantize here: block scales.
    init(scheme: QuantizationScheme, group: String, position: String) throws(ModifierError) {
        func refuse(_ reason: String) -> ModifierError {
            .unsupportedModifier(name: "\(position): AWQModifier", reason: "config group '\(group)': \(reason)")
        }
        guard let args = scheme.weights, [.tensor, .channel, .group, .tensorGroup].contains(args.strategy) else {
            throw refuse("AWQ needs weights quantized per tensor, channel or group here, not per \(scheme.weights?.strategy.rawValue ?? "nothing")")
        }
        var minMax = scheme
        minMax.weights?.observer = nil
        minMax.weights?.observerKwargs = JSONObject()
        let made = try QuantizerFactory.make(group: group, scheme: minMax, position: position).quantizer
        guard let quantizer = made as? any FreezingWeightQuantizer else {
            throw refuse("AWQ cannot fake-quantize the weights of \(type(of: made))")
        }
        self.quantizer = quantizer
        strategy = args.strategy
        groupSize = args.groupSize
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
