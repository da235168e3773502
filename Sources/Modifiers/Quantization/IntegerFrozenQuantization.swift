import Checkpoint

/// Integer weights' frozen parameters: the kernel's scales (values of the weight's dtype `S`) and
/// zero points, observed on the weight; codes are written through the integer format `writer`.
struct IntegerFrozenQuantization<S: WeightStorage>: FrozenQuantization {
    let writer: any IntegerWeightWriter
    let tensor: TensorInfo
    /// One per element of the granularity's scale shape, row-major.
    let scaleBits: [S.Bits]
    let scales: [Float]
    let zeroPoints: [Int8]
    let zeroPointValues: [Float]
    /// Scales per row and columns per scale (a tensor's single scale: 0 and all columns).
    let scalesPerRow: Int, groupSize: Int

    /// The writer's kernel, kept so that GPTQ's per-value `fakeQuantize` does not ask the writer.
    let kernel: IntegerWeightKernel

    /// Observes `input` (the weight stored as `S`) with the kernel's observer.
    init(writer: any IntegerWeightWriter, tensor: TensorInfo, input: UnsafePointer<S.Bits>, threads: Int) throws(ModifierError) {
        let kernel = writer.kernel
        let columns = tensor.shape[1]
        let count = kernel.granularity.scaleShape(rows: tensor.shape[0], columns: columns).reduce(1, *)
        var bits = [S.Bits](repeating: 0, count: count)
        var zeroPoints = [Int8](repeating: 0, count: count)
        try bits.withUnsafeMutableBufferPointer { (scales) throws(ModifierError) in
            try zeroPoints.withUnsafeMutableBufferPointer { (zeroPoints) throws(ModifierError) in
                try kernel.observe(S.self, weight: tensor, input: input, threads: threads,
                                   scales: scales.baseAddress!, zeroPoints: zeroPoints.baseAddress!)
            }
        }
        self.writer = writer
        self.kernel = kernel
        self.tensor = tensor
        scaleBits = bits
        scales = bits.map(S.float)
        self.zeroPoints = zeroPoints
        zeroPointValues = zeroPoints.map(Float.init)
        groupSize = kernel.granularity.groupSize(columns: columns)
        scalesPerRow = kernel.granularity == .tensor ? 0 : columns / groupSize
    }

    private func index(row: Int, column: Int) -> Int { row * scalesPerRow + (scalesPerRow == 0 ? 0 : column / groupSize) }

    func fakeQuantize(_ x: Float, row: Int, column: Int) -> Float {
        let s = index(row: row, column: column)
        return kernel.grid.fakeQuantize(S.self, x, scale: scales[s], zeroPoint: zeroPointValues[s])
    }

    func encode(_ weight: [Float], threads: Int) throws(ModifierError) -> (outputs: [[UInt8]], dequantized: [Float]) {
        let rows = tensor.shape[0], columns = tensor.shape[1]
        var stored = weight.map(S.bits)
        var scaleBits = scaleBits, zeroPoints = zeroPoints
        var codeArray = [Int8](repeating: 0, count: rows * columns)
        try stored.withUnsafeMutableBufferPointer { (stored) throws(ModifierError) in
            try scaleBits.withUnsafeMutableBufferPointer { (scales) throws(ModifierError) in
                try zeroPoints.withUnsafeMutableBufferPointer { (zeroPoints) throws(ModifierError) in
                    try codeArray.withUnsafeMutableBufferPointer { (codes) throws(ModifierError) in
                        try kernel.run(S.self, weight: tensor, input: stored.baseAddress!, threads: threads, scales: scales.baseAddress!,
                                       zeroPoints: zeroPoints.baseAddress!, parameters: .given) { r, row in
                            (codes.baseAddress! + r * columns).update(from: row, count: columns)
                        }
                    }
                }
            }
        }
        let codes = codeArray, frozenZeroPoints = zeroPoints
        let outputs = try capturedOutputs { (emit) throws(ModifierError) in
            try codes.withUnsafeBufferPointer { (codes) throws(ModifierError) in
                try scaleBits.withUnsafeBufferPointer { (scales) throws(ModifierError) in
                    try frozenZeroPoints.withUnsafeBufferPointer { (zeroPoints) throws(ModifierError) in
                        try writer.write(S.self, weight: tensor, codes: codes.baseAddress!, scales: scales.baseAddress!,
                                         zeroPoints: zeroPoints.baseAddress!, threads: threads, emit: emit)
                    }
                }
            }
        }
        var dequantized = [Float](repeating: 0, count: rows * columns)
        dequantized.withUnsafeMutableBufferPointer { w in
            parallelRows(rows, threads: threads) { range in
                for r in range {
                    for c in 0..<columns {
                        let s = index(row: r, column: c)
                        w[r * columns + c] = kernel.grid.dequantize(S.self, codes[r * columns + c], scale: scales[s], zeroPoint: frozenZeroPoints[s])
                    }
                }
            }
        }
        return (outputs, dequantized)
    }
}

extension IntegerWeightWriter {
    func freeze<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                  context _: QuantizationContext) throws(ModifierError) -> any FrozenQuantization {
        try IntegerFrozenQuantization<S>(writer: self, tensor: weight, input: data.bindMemory(to: S.Bits.self).baseAddress!, threads: threads)
    }
}

extension IntQuantizer: FreezingWeightQuantizer {}
extension PackQuantizer: FreezingWeightQuantizer {}
