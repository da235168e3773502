import Foundation

/// A tensor a checkpoint computes from stored ones when it is read, such as a quantized weight
/// dequantized from its codes and scales: what a quantized checkpoint looks like to a run that
/// wants its weights in a float dtype (`Checkpoint.init(deriving:config:tensors:)`).
public struct DerivedTensor: Sendable {
    /// One tensor of a derived checkpoint: a stored tensor of the source as it is, or a derived one.
    public enum Entry: Sendable {
        case stored(Checkpoint.Tensor)
        case derived(DerivedTensor)
    }

    /// Name, dtype and shape; the data range is `0..<byteCount`.
    public let info: TensorInfo
    /// The stored tensors it is computed from: their shards are checked before it is read, and
    /// their pages released with it.
    public let sources: [Checkpoint.Tensor]
    /// Writes the tensor's `info.byteCount` bytes into the buffer, on up to `threads` threads
    /// (``inParallel(rows:threads:_:)``).
    public let compute: @Sendable (_ tensor: UnsafeMutableRawBufferPointer, _ threads: Int) -> Void

    /// A tensor `shape` of `dtype` that `compute` writes.
    public init(name: String, dtype: DType, shape: [Int], sources: [Checkpoint.Tensor],
                compute: @escaping @Sendable (_ tensor: UnsafeMutableRawBufferPointer, _ threads: Int) -> Void) {
        let count = dtype.byteCount(elements: shape.reduce(1, *)) ?? 0
        info = TensorInfo(name: name, dtype: dtype, shape: shape, dataRange: 0..<count)
        self.sources = sources
        self.compute = compute
    }
}

extension DerivedTensor {
    /// Runs `body` on contiguous ranges of `rows` rows over `threads` threads: how a derivation
    /// spreads its work.
    public static func inParallel(rows: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let chunks = max(1, min(threads * 4, rows / 16))
        guard threads > 1, chunks > 1 else { return body(0..<rows) }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = rows * chunk / chunks, end = rows * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }
}

/// The bytes of the derived tensors a checkpoint has computed and not yet released: each is
/// computed once when first read and freed by `Checkpoint.release`, so that a stream holds one
/// (or the few a fused group reads ahead) at a time.
final class ComputedTensors: @unchecked Sendable {
    /// The buffer of each computed tensor, perhaps larger than the tensor.
    private var buffers: [Int: UnsafeMutableRawBufferPointer] = [:]
    /// Buffers released, kept for the next tensors that fit in them: a stream of tensors of the
    /// same sizes then allocates (and faults in) its memory once, even where a fused group reads
    /// several ahead. The largest `spareLimit` are kept.
    private var spares: [UnsafeMutableRawBufferPointer] = []
    private let lock = NSLock()
    /// How many buffers were allocated so far.
    private(set) var allocations = 0

    /// The most buffers kept for reuse: as many as the largest fused group holds at once (q, k, v).
    static let spareLimit = 3

    /// The bytes of derived tensor `index` of `tensor`, computed on first use over `threads` threads.
    func bytes(_ index: Int, of tensor: DerivedTensor, threads: Int) -> UnsafeRawBufferPointer {
        lock.lock()
        defer { lock.unlock() }
        let count = tensor.info.byteCount
        if let buffer = buffers[index] { return UnsafeRawBufferPointer(rebasing: buffer[0..<count]) }
        let buffer: UnsafeMutableRawBufferPointer
        if let fit = spares.indices.filter({ spares[$0].count >= count }).min(by: { spares[$0].count < spares[$1].count }) {
            buffer = spares.remove(at: fit)
        } else {
            // Spares too small for this tensor would only hold memory beside it.
            for spare in spares { spare.deallocate() }
            spares = []
            buffer = .allocate(byteCount: count, alignment: 64)
            allocations += 1
        }
        let bytes = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
        tensor.compute(bytes, threads)
        buffers[index] = buffer
        return UnsafeRawBufferPointer(bytes)
    }

    /// Frees the bytes of derived tensor `index`, if computed.
    func drop(_ index: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard let buffer = buffers.removeValue(forKey: index) else { return }
        spares.append(buffer)
        spares.sort { $0.count > $1.count }
        while spares.count > Self.spareLimit { spares.removeLast().deallocate() }
    }

    deinit {
        for buffer in buffers.values { buffer.deallocate() }
        for spare in spares { spare.deallocate() }
    }
}
