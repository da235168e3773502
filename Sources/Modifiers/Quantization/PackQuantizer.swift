import Checkpoint
import CompressedTensors

/// compressed-tensors' "pack-quantized" format (`PackedQuantizationCompressor`): integer weights
/// of 1 to 8 bits packed densely into int32 words along each row (`Int32Packing`). Writes
/// `weight_packed` (I32, `[rows, ceil(columns * bits / 32)]`), `weight_scale` (the weight's
/// dtype, `IntegerGranularity.scaleShape`), `weight_shape` (I64 `[rows, columns]`) and, for
/// asymmetric weights, `weight_zero_point`: packed along dimension 0 into I32
/// `[ceil(rows * bits / 32), groups]` per group or channel, kept as I8 `[1]` per tensor (which
/// compressed-tensors does not pack). The `W{n}A16` presets and W4A16_ASYM use it.
struct PackQuantizer: IntegerWeightWriter {
    let kernel: IntegerWeightKernel
    private let scratch = ScratchBuffer()

    init(kernel: IntegerWeightKernel) { self.kernel = kernel }

    /// With the min-max observer's ranges.
    init(grid: IntegerGrid, granularity: IntegerGranularity) {
        self.init(kernel: IntegerWeightKernel(grid: grid, granularity: granularity, observer: .minMax))
    }

    fileprivate var packsZeroPoint: Bool {
        IntegerEncoding(bits: kernel.grid.bits, symmetric: kernel.grid.symmetric, granularity: kernel.granularity).packsZeroPoints
    }

    func validate(_ weight: TensorInfo) throws(ModifierError) { try kernel.validate(weight) }

    func quantize<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                    context: QuantizationContext,
                                    emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let buffers = PackedBuffers<S>(self, weight: weight, scratch: scratch)
        let columns = weight.shape[1], width = buffers.width, bits = kernel.grid.bits
        try kernel.run(S.self, weight: weight, input: data.bindMemory(to: S.Bits.self).baseAddress!, threads: threads,
                       allowNonFinite: context.allowNonFinite, importance: context.importance, scales: buffers.scales, zeroPoints: buffers.zeroPoints) { r, row in
            Int32Packing.pack(row, count: columns, bits: bits, into: buffers.words + r * width)
        }
        try emitPacked(buffers, emit: emit)
    }

    func write<S: WeightStorage>(_: S.Type, weight: TensorInfo, codes: UnsafePointer<Int8>,
                                 scales: UnsafePointer<S.Bits>, zeroPoints: UnsafePointer<Int8>, threads: Int,
                                 emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let buffers = PackedBuffers<S>(self, weight: weight, scratch: scratch)
        let columns = weight.shape[1], width = buffers.width, bits = kernel.grid.bits
        buffers.scales.update(from: scales, count: buffers.scaleCount)
        buffers.zeroPoints.update(from: zeroPoints, count: buffers.scaleCount)
        parallelRows(weight.shape[0], threads: threads) { range in
            for r in range { Int32Packing.pack(codes + r * columns, count: columns, bits: bits, into: buffers.words + r * width) }
        }
        try emitPacked(buffers, emit: emit)
    }

    /// Emits the packed words, scales, shape and zero points (packed along dimension 0 per group
    /// or channel, as bytes per tensor) held in `buffers`.
    private func emitPacked<S: WeightStorage>(_ buffers: PackedBuffers<S>,
                                              emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let rows = buffers.rows, scaleShape = buffers.scaleShape
        do {
            try emit(UnsafeRawBufferPointer(start: buffers.words, count: rows * buffers.width * 4))
            try emit(UnsafeRawBufferPointer(start: buffers.scales, count: buffers.scaleCount * MemoryLayout<S.Bits>.stride))
            try emit(UnsafeRawBufferPointer(start: buffers.shape, count: 16))
            if buffers.packedZeroPoints > 0 {
                let packed = buffers.words + rows * buffers.width
                Int32Packing.packColumns(buffers.zeroPoints, rows: scaleShape[0], columns: scaleShape[1], bits: kernel.grid.bits, into: packed)
                try emit(UnsafeRawBufferPointer(start: packed, count: buffers.packedZeroPoints * 4))
            } else if !kernel.grid.symmetric {
                try emit(UnsafeRawBufferPointer(start: buffers.zeroPoints, count: buffers.scaleCount))
            }
        } catch { throw .checkpoint(error) }
    }
}

/// The pack-quantized outputs of one weight, laid out in one scratch allocation: `weight_shape`
/// (8-byte aligned first), packed words, packed zero points, scales, zero points.
private struct PackedBuffers<S: WeightStorage> {
    let rows: Int
    /// Words per packed row.
    let width: Int
    let scaleShape: [Int]
    let scaleCount: Int
    /// Words of packed zero points (0 when they are not packed).
    let packedZeroPoints: Int
    let shape: UnsafeMutablePointer<Int64>
    let words: UnsafeMutablePointer<UInt32>
    let scales: UnsafeMutablePointer<S.Bits>
    let zeroPoints: UnsafeMutablePointer<Int8>

    init(_ quantizer: PackQuantizer, weight: TensorInfo, scratch: ScratchBuffer) {
        let kernel = quantizer.kernel, bits = kernel.grid.bits
        rows = weight.shape[0]
        let columns = weight.shape[1]
        width = Int32Packing.wordCount(columns, bits: bits)
        scaleShape = kernel.granularity.scaleShape(rows: rows, columns: columns)
        scaleCount = scaleShape.reduce(1, *)
        let scaleBytes = scaleCount * MemoryLayout<S.Bits>.stride
        packedZeroPoints = !kernel.grid.symmetric && quantizer.packsZeroPoint
            ? Int32Packing.wordCount(scaleShape[0], bits: bits) * scaleShape[1] : 0
        let wordBytes = (rows * width + packedZeroPoints) * 4
        let buffer = scratch.bytes(16 + wordBytes + scaleBytes + scaleCount)
        shape = buffer.baseAddress!.bindMemory(to: Int64.self, capacity: 2)
        shape[0] = Int64(rows)
        shape[1] = Int64(columns)
        words = (buffer.baseAddress! + 16).bindMemory(to: UInt32.self, capacity: rows * width + packedZeroPoints)
        scales = (buffer.baseAddress! + 16 + wordBytes).bindMemory(to: S.Bits.self, capacity: scaleCount)
        zeroPoints = (buffer.baseAddress! + 16 + wordBytes + scaleBytes).bindMemory(to: Int8.self, capacity: scaleCount)
    }
}
