import CompressedTensors
import Recipes

/// Chooses the weight quantizer for a config group's scheme, from the layout compressed-tensors
/// stores it in (``CompressedWeightLayout``) and the group's weight observer (``WeightObserver``),
/// or says why the scheme is not supported. Activation scales are calibration's (`ActivationScales`).
enum QuantizerFactory {
    /// The layout of the scheme's weights and the quantizer that writes it. `position` (the
    /// modifier's, FILE:LINE:COLUMN) locates the refusal of an observer that cannot run here.
    static func make(group: String, scheme: QuantizationScheme, position: String) throws(ModifierError) -> (quantizer: any WeightQuantizer, layout: CompressedWeightLayout) {
        let layout: CompressedWeightLayout
        do { layout = try CompressedWeightLayout(group: group, scheme: scheme) } catch { throw .compressedTensors(error) }
        func observer(searchable: Bool, family: String) throws(ModifierError) -> WeightObserver {
            // The layout accepted the scheme's weights, which are therefore given.
            try WeightObserver(args: scheme.weights!, group: group, position: position, searchable: searchable, family: family)
        }
        switch layout.encoding {
        case .fp8(.channel): return (FP8Quantizer(granularity: .channel, observer: try observer(searchable: true, family: "FP8")), layout)
        case .fp8(.tensor): return (FP8Quantizer(granularity: .tensor, observer: try observer(searchable: true, family: "FP8")), layout)
        case let .fp8(.block(rows, columns)):
            _ = try observer(searchable: false, family: "FP8 block")
            return (FP8BlockQuantizer(blockRows: rows, blockColumns: columns), layout)
        case let .integers(_, packed):
            let kernel = try IntegerSchemes.kernel(group: group, weights: scheme.weights!,
                                                   observer: try observer(searchable: true, family: "integer"))
            return (packed ? PackQuantizer(kernel: kernel) : IntQuantizer(kernel: kernel), layout)
        case .nvfp4: return (NVFP4Quantizer(observer: try observer(searchable: true, family: "NVFP4")), layout)
        case .mxfp4:
            _ = try observer(searchable: false, family: "MXFP4")
            return (MXQuantizer(element: .fp4), layout)
        case .mxfp6:
            _ = try observer(searchable: false, family: "MXFP6")
            return (MXQuantizer(element: .fp6), layout)
        case .mxfp8:
            _ = try observer(searchable: false, family: "MXFP8")
            return (MXQuantizer(element: .fp8), layout)
        }
    }
}
