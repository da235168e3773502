import Checkpoint

/// compressed-tensors' "pack-quantized" format (`PackedQuantizationCompressor`): integer weights
/// of 1 to 8 bits packed densely into int32 words along each row (`Int32Packing`). Writes
/// `weight_packed` (I32, `[rows, ceil(columns * bits / 32)]`), `weight_scale` (the weight's
/// dtype, `IntegerGranularity.scaleShape`), `weight_shape` (I64 `[rows, columns]`) and, for
/// asymmetric weights, `weight_zero_point`: packed along dimension 0 into I32
/// `[ceil(rows * bits / 32), groups]` per group or channel, kept as I8 `[1]` per tensor (which
/// compressed-tensors does not pack). The `W{n}A16` presets and W4A16_ASYM use it.
struct PackQuantizer: WeightQuantizer {
    let kernel: IntegerWeightKernel
    private let scratch = ScratchBuffer()

    init(grid: IntegerGrid, granularity: IntegerGranularity) {
        kernel = IntegerWeightKernel(grid: grid, granularity: granularity)
    }

    private var packsZeroPoint: Bool { kernel.granularity != .tensor }

    func outputs(module: String, weight: TensorInfo) -> [OutputTensor] {
        let rows = weight.shape[0], columns = weight.shape[1], bits = kernel.grid.bits
        let scaleShape = kernel.granularity.scaleShape(rows: rows, columns: columns)
        var outputs = [OutputTensor(name: module + ".weight_packed", dtype: .i32, shape: [rows, Int32Packing.wordCount(columns, bits: bits)]),
                       OutputTensor(name: module + ".weight_scale", dtype: weight.dtype, shape: scaleShape),
                       OutputTensor(name: module + ".weight_shape", dtype: .i64, shape: [2])]
        if !kernel.grid.symmetric {
            outputs.append(packsZeroPoint
                ? OutputTensor(name: module + ".weight_zero_point", dtype: .i32,
                               shape: [Int32Packing.wordCount(rows, bits: bits), scaleShape[1]])
                : OutputTensor(name: module + ".weight_zero_point", dtype: .i8, shape: scaleShape))
        }
        return outputs
    }

    func validate(_ weight: TensorInfo) throws(ModifierError) { try kernel.validate(weight) }

    func quantize<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                    context _: FusedLayerContext,
                                    emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let rows = weight.shape[0], columns = weight.shape[1], bits = kernel.grid.bits
        let width = Int32Packing.wordCount(columns, bits: bits)
        let scaleShape = kernel.granularity.scaleShape(rows: rows, columns: columns)
        let scaleCount = scaleShape.reduce(1, *)
        let scaleBytes = scaleCount * MemoryLayout<S.Bits>.stride
        let packedZeroPoints = !kernel.grid.symmetric && packsZeroPoint ? Int32Packing.wordCount(scaleShape[0], bits: bits) * scaleShape[1] : 0
        // Layout: weight_shape (8-byte aligned first), packed words, packed zero points, scales, zero points.
        let wordBytes = (rows * width + packedZeroPoints) * 4
        let buffer = scratch.bytes(16 + wordBytes + scaleBytes + scaleCount)
        let shape = buffer.baseAddress!.bindMemory(to: Int64.self, capacity: 2)
        shape[0] = Int64(rows)
        shape[1] = Int64(columns)
        let words = (buffer.baseAddress! + 16).bindMemory(to: UInt32.self, capacity: rows * width + packedZeroPoints)
        let scales = (buffer.baseAddress! + 16 + wordBytes).bindMemory(to: S.Bits.self, capacity: scaleCount)
        let zeroPoints = (buffer.baseAddress! + 16 + wordBytes + scaleBytes).bindMemory(to: Int8.self, capacity: scaleCount)
        try kernel.run(S.self, weight: weight, input: data.bindMemory(to: S.Bits.self).baseAddress!, threads: threads,
                       scales: scales, zeroPoints: zeroPoints) { r, row in
            Int32Packing.pack(row, count: columns, bits: bits, into: words + r * width)
        }
        do {
            try emit(UnsafeRawBufferPointer(start: words, count: rows * width * 4))
            try emit(UnsafeRawBufferPointer(start: scales, count: scaleBytes))
            try emit(UnsafeRawBufferPointer(start: shape, count: 16))
            if packedZeroPoints > 0 {
                Int32Packing.packColumns(zeroPoints, rows: scaleShape[0], columns: scaleShape[1], bits: bits, into: words + rows * width)
                try emit(UnsafeRawBufferPointer(start: words + rows * width, count: packedZeroPoints * 4))
            } else if !kernel.grid.symmetric {
                try emit(UnsafeRawBufferPointer(start: zeroPoints, count: scaleCount))
            }
        } catch { throw .checkpoint(error) }
    }
}
