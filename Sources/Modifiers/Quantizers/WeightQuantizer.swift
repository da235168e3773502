import Checkpoint

/// Turns one Linear weight into the tensors compressed-tensors writes for it.
protocol WeightQuantizer: Sendable {
    /// The tensors written in place of `weight` (owned by `module`), in write order.
    func outputs(module: String, weight: TensorInfo) -> [OutputTensor]

    /// Quantizes `data` (the bytes of `weight`) and passes each output's bytes to `emit`, in the
    /// order of `outputs`. Work is split over `threads` threads.
    func quantize(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                  emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError)
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
