import Checkpoint
import CompressedTensors

/// compressed-tensors' "int-quantized" format (`IntQuantizationCompressor`): integer weights of
/// up to 8 bits stored unpacked, one `Int8` per value. Writes `weight` (I8, the weight's shape),
/// `weight_scale` (the weight's dtype, `IntegerGranularity.scaleShape`) and, for asymmetric
/// weights, `weight_zero_point` (I8, the scale's shape). W8A8/INT8 (8-bit per channel), W4AFP8
/// (4-bit groups of 128) and the `W{n}A{4,8}` presets use it.
struct IntQuantizer: IntegerWeightWriter {
    let kernel: IntegerWeightKernel
    private let scratch = ScratchBuffer()

    init(kernel: IntegerWeightKernel) { self.kernel = kernel }

    /// With the min-max observer's ranges.
    init(grid: IntegerGrid, granularity: IntegerGranularity) {
        self.init(kernel: IntegerWeightKernel(grid: grid, granularity: granularity, observer: .minMax))
    }

    func validate(_ weight: TensorInfo) throws(ModifierError) { try kernel.validate(weight) }

    func quantize<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                    context: QuantizationContext,
                                    emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let rows = weight.shape[0], columns = weight.shape[1]
        let scaleCount = kernel.granularity.scaleShape(rows: rows, columns: columns).reduce(1, *)
        let scaleBytes = scaleCount * MemoryLayout<S.Bits>.stride
        // Layout: scales (aligned first), codes, zero points.
        let buffer = scratch.bytes(scaleBytes + rows * columns + scaleCount)
        let scales = buffer.baseAddress!.bindMemory(to: S.Bits.self, capacity: scaleCount)
        let codes = (buffer.baseAddress! + scaleBytes).bindMemory(to: Int8.self, capacity: rows * columns + scaleCount)
        let zeroPoints = codes + rows * columns
        try kernel.run(S.self, weight: weight, input: data.bindMemory(to: S.Bits.self).baseAddress!, threads: threads,
                       allowNonFinite: context.allowNonFinite, importance: context.importance, scales: scales, zeroPoints: zeroPoints) { r, row in
            (codes + r * columns).update(from: row, count: columns)
        }
        try write(S.self, weight: weight, codes: codes, scales: scales, zeroPoints: zeroPoints, threads: threads, emit: emit)
    }

    func write<S: WeightStorage>(_: S.Type, weight: TensorInfo, codes: UnsafePointer<Int8>,
                                 scales: UnsafePointer<S.Bits>, zeroPoints: UnsafePointer<Int8>, threads _: Int,
                                 emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let scaleCount = kernel.granularity.scaleShape(rows: weight.shape[0], columns: weight.shape[1]).reduce(1, *)
        do {
            try emit(UnsafeRawBufferPointer(start: codes, count: weight.shape[0] * weight.shape[1]))
            try emit(UnsafeRawBufferPointer(start: scales, count: scaleCount * MemoryLayout<S.Bits>.stride))
            if !kernel.grid.symmetric { try emit(UnsafeRawBufferPointer(start: zeroPoints, count: scaleCount)) }
        } catch { throw .checkpoint(error) }
    }
}
