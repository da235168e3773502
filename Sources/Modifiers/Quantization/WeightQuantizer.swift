import Checkpoint

/// Turns one Linear weight into the tensors compressed-tensors writes for it, in the order its
/// layout (`CompressedWeightLayout.tensors`) lists them.
protocol WeightQuantizer: Sendable {
    /// Refuses a weight this quantizer cannot take (for example, columns that are not a whole
    /// number of groups), so that the plan fails before any tensor data is read. Accepts any by default.
    func validate(_ weight: TensorInfo) throws(ModifierError)

    /// Whether the weights of fused layers (q/k/v, gate/up, ...) must share a tensor-wide
    /// statistic, as NVFP4's global scale: the driver then passes their joint absolute maximum
    /// in `QuantizationContext`. False unless a quantizer says otherwise.
    var sharesStatisticsAcrossFusedLayers: Bool { get }

    /// The largest magnitude of each group's range when a weight contributes those to its fused
    /// group's statistic instead of its values (an MSE observer's searched ranges), or nil: the
    /// driver then takes the weight's largest magnitude. The driver hands them back in
    /// `QuantizationContext.searchedGroupMaxima` so that the weight is not searched twice. Nil by default.
    func searchedGroupMaxima(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                             context: QuantizationContext) throws(ModifierError) -> [Float]?

    /// Quantizes `data` (the bytes of `weight`, stored as `S`) and passes each output's bytes to
    /// `emit`, in the order of the layout's tensors. Work is split over `threads` threads; `context` holds
    /// what the driver learned from the weight's fused siblings.
    func quantize<S: WeightStorage>(_ storage: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                    context: QuantizationContext,
                                    emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError)

    /// Validates `weight`, then quantizes it with the arithmetic of its dtype. A requirement (with
    /// the default below) rather than an extension method only: called on `any WeightQuantizer`,
    /// it dispatches to the conforming type's witness, where the generic kernels are specialized
    /// for each storage type instead of running through generic witness calls per element.
    func quantize(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int, context: QuantizationContext,
                  emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError)
}

extension WeightQuantizer {
    func validate(_ weight: TensorInfo) throws(ModifierError) {}

    var sharesStatisticsAcrossFusedLayers: Bool { false }

    func searchedGroupMaxima(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                             context: QuantizationContext) throws(ModifierError) -> [Float]? { nil }

    func quantize(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int, context: QuantizationContext,
                  emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        try validate(weight)
        switch weight.dtype {
        case .bf16: try quantize(BF16Storage.self, weight: weight, data: data, threads: threads, context: context, emit: emit)
        case .f16: try quantize(F16Storage.self, weight: weight, data: data, threads: threads, context: context, emit: emit)
        case .f32: try quantize(F32Storage.self, weight: weight, data: data, threads: threads, context: context, emit: emit)
        default: throw .unquantizableWeight(tensor: weight.name, reason: "dtype \(weight.dtype.rawValue) cannot be quantized")
        }
    }
}

/// What the driver tells a quantizer beyond the weight itself: what the weight's fused siblings
/// contribute, and whether NaN and Inf are quantized rather than refused.
struct QuantizationContext: Sendable {
    /// The largest magnitude over the weights of the fused group the weight belongs to (itself
    /// included), or nil when it belongs to none.
    var groupAbsmax: Float?
    /// What `searchedGroupMaxima` gave for this weight while `groupAbsmax` was computed, or nil.
    var searchedGroupMaxima: [Float]?
    /// Quantize weights holding NaN or Inf as llm-compressor does (`NonFiniteWeights`) instead
    /// of throwing `nonFinite`.
    var allowNonFinite = false
    /// The importance of each input channel for an imatrix observer's search (``InputImportance``),
    /// nil when calibration gave none (the search is then unweighted, as llm-compressor's fallback).
    var importance: [Float]?

    /// A weight outside any fused group, NaN and Inf refused.
    static let none = QuantizationContext()
}

/// Reusable scratch memory: one allocation that grows to the largest request and is kept.
final class ScratchBuffer: @unchecked Sendable {
    private(set) var pointer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
    private var capacity = 64

    /// At least `count` bytes, valid until the next call.
    func bytes(_ count: Int) -> UnsafeMutableRawBufferPointer {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(byteCount: count, alignment: 64)
        }
        return UnsafeMutableRawBufferPointer(start: pointer, count: count)
    }

    deinit { pointer.deallocate() }
}
