import Checkpoint

/// Turns one Linear weight into the tensors compressed-tensors writes for it.
protocol WeightQuantizer: Sendable {
    /// The tensors written in place of `weight` (owned by `module`), in write order.
    func outputs(module: String, weight: TensorInfo) -> [OutputTensor]

    /// Quantizes `data` (the bytes of `weight`) and passes each output's bytes to `emit`, in the
    /// order of `outputs`. Work is split over `threads` threads.
    func quantize(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                  emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError)

    /// Whether the weights of fused layers (q/k/v, gate/up, ...) must share a tensor-wide
    /// statistic, as NVFP4's global scale: the driver then passes their joint absolute maximum
    /// in `FusedLayerContext`. False unless a quantizer says otherwise.
    var sharesStatisticsAcrossFusedLayers: Bool { get }

    /// `quantize(weight:data:threads:emit:)` with what the driver learned from the weight's fused
    /// siblings. Quantizers that do not share statistics ignore the context (the default).
    func quantize(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int, context: FusedLayerContext,
                  emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError)
}

extension WeightQuantizer {
    var sharesStatisticsAcrossFusedLayers: Bool { false }

    func quantize(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int, context: FusedLayerContext,
                  emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        try quantize(weight: weight, data: data, threads: threads, emit: emit)
    }
}

/// What a weight's fused siblings contribute to its quantization.
struct FusedLayerContext: Sendable {
    /// The largest magnitude over the weights of the fused group the weight belongs to (itself
    /// included), or nil when it belongs to none.
    var groupAbsmax: Float?

    /// A weight outside any fused group.
    static let none = FusedLayerContext(groupAbsmax: nil)
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
