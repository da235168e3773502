import CompressedTensors
import Recipes

/// Chooses the weight quantizer for a config group's scheme, from the layout compressed-tensors
/// stores it in (``CompressedWeightLayout``), or says why the scheme is not supported.
/// Activation scales are calibration's (`ActivationScales`).
enum QuantizerFactory {
    /// The layout of the scheme's weights and the quantizer that writes it.
    static func make(group: String, scheme: QuantizationScheme) throws(ModifierError) -> (quantizer: any WeightQuantizer, layout: CompressedWeightLayout) {
        let layout: CompressedWeightLayout
        do { layout = try CompressedWeightLayout(group: group, scheme: scheme) } catch { throw .compressedTensors(error) }
        switch layout.encoding {
        case .fp8(.channel): return (FP8Quantizer(granularity: .channel), layout)
        case .fp8(.tensor): return (FP8Quantizer(granularity: .tensor), layout)
        case let .fp8(.block(rows, columns)): return (FP8BlockQuantizer(blockRows: rows, blockColumns: columns), layout)
        case let .integers(_, packed):
            // The layout accepted the scheme's weights, which are therefore integer args.
            let kernel = try IntegerSchemes.kernel(group: group, weights: scheme.weights!)
            return (packed ? PackQuantizer(grid: kernel.grid, granularity: kernel.granularity)
                           : IntQuantizer(grid: kernel.grid, granularity: kernel.granularity), layout)
        case .nvfp4: return (NVFP4Quantizer(), layout)
        case .mxfp4: return (MXQuantizer(element: .fp4), layout)
        case .mxfp8: return (MXQuantizer(element: .fp8), layout)
        }
    }
}
