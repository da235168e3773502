import Checkpoint
import CompressedTensors

/// Float weights' frozen parameters (FP8 per channel, tensor or block; NVFP4; MXFP4, MXFP8): one divisor
/// per scale, the effective scale llm-compressor divides by (`scale`, or `scale / global_scale`
/// for NVFP4), and the bytes of the format's scale tensors, which GPTQ leaves as observed.
///
/// Where llm-compressor keeps the scale in the weight's dtype (FP8, MX), the dequantized value is
/// rounded to it, and compressed-tensors' compressor divides in it; NVFP4's effective scale is
/// float32 (an FP8 scale over a float32 global scale), so its quotients and dequantized values
/// stay float32.
struct FloatFrozenQuantization<S: WeightStorage>: FrozenQuantization {
    let grid: FloatCandidateGrid
    let tensor: TensorInfo
    /// The rows and columns one scale covers.
    let blockRows: Int, blockColumns: Int
    /// One per scale, row-major over the blocks.
    let divisors: [Float]
    /// Whether the scales are values of the weight's dtype (FP8, MX) rather than float32 (NVFP4).
    let scalesInWeightDtype: Bool
    /// The bytes of the layout's tensors after the values (scales, global scale), as observed.
    let scaleOutputs: [[UInt8]]
    private let blocksPerRow: Int

    init(grid: FloatCandidateGrid, tensor: TensorInfo, block: (rows: Int, columns: Int), divisors: [Float],
         scalesInWeightDtype: Bool, scaleOutputs: [[UInt8]]) {
        self.grid = grid
        self.tensor = tensor
        (blockRows, blockColumns) = block
        self.divisors = divisors
        self.scalesInWeightDtype = scalesInWeightDtype
        self.scaleOutputs = scaleOutputs
        blocksPerRow = (tensor.shape[1] + block.columns - 1) / block.columns
    }

    @inline(__always)
    private func divisor(row: Int, column: Int) -> Float { divisors[(row / blockRows) * blocksPerRow + column / blockColumns] }

    @inline(__always)
    private func dequantize(_ element: Float, _ d: Float) -> Float { scalesInWeightDtype ? S.rounded(element * d) : element * d }

    func fakeQuantize(_ x: Float, row: Int, column: Int) -> Float {
        let d = divisor(row: row, column: column)
        return dequantize(grid.element(nearest: x / d), d)
    }

    func encode(_ weight: [Float], threads: Int) throws(ModifierError) -> (outputs: [[UInt8]], dequantized: [Float]) {
        let rows = tensor.shape[0], columns = tensor.shape[1]
        let fp4 = grid.element == .fp4
        var values = [UInt8](repeating: 0, count: fp4 ? rows * columns / 2 : rows * columns)
        var dequantized = [Float](repeating: 0, count: rows * columns)
        values.withUnsafeMutableBufferPointer { values in
            dequantized.withUnsafeMutableBufferPointer { dequantized in
                parallelRows(rows, threads: threads) { range in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { quotients in
                        for r in range {
                            for c in 0..<columns {
                                let d = divisor(row: r, column: c), w = weight[r * columns + c]
                                let q = scalesInWeightDtype ? S.rounded(w / d) : w / d
                                quotients[c] = q
                                dequantized[r * columns + c] = dequantize(grid.element(nearest: q), d)
                                if !fp4 { values[r * columns + c] = FP8E4M3.weightCode(q) }
                            }
                            if fp4 { FP4Nibble.pack(quotients.baseAddress!, count: columns, into: values.baseAddress! + r * columns / 2) }
                        }
                    }
                }
            }
        }
        return ([values] + scaleOutputs, dequantized)
    }
}

/// A float weight format whose frozen parameters are read back from the scale tensors its own
/// data-free quantizer writes for the weight (the same observer, the same rounding).
protocol FloatScaleFormat: FreezingWeightQuantizer {
    /// The element type of the values.
    var frozenElement: FloatCandidateGrid.Element { get }
    /// Whether the scales are values of the weight's dtype (else float32).
    var scalesInWeightDtype: Bool { get }
    /// The rows and columns of `weight` one scale covers.
    func scaleBlock(_ weight: TensorInfo) -> (rows: Int, columns: Int)
    /// The divisor of every scale, from the bytes of the outputs after the values.
    func divisors<S: WeightStorage>(_: S.Type, scaleOutputs: [[UInt8]]) -> [Float]
}

extension FloatScaleFormat {
    func freeze<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                  context: QuantizationContext) throws(ModifierError) -> any FrozenQuantization {
        let outputs = try capturedOutputs { (emit) throws(ModifierError) in
            try quantize(S.self, weight: weight, data: data, threads: threads, context: context, emit: emit)
        }
        let scaleOutputs = Array(outputs.dropFirst())
        return FloatFrozenQuantization<S>(grid: FloatCandidateGrid(element: frozenElement), tensor: weight, block: scaleBlock(weight),
                                          divisors: divisors(S.self, scaleOutputs: scaleOutputs),
                                          scalesInWeightDtype: scalesInWeightDtype, scaleOutputs: scaleOutputs)
    }
}

/// Scales stored as values of the weight's dtype (FP8's `weight_scale`).
private func dtypeScales<S: WeightStorage>(_: S.Type, _ bytes: [UInt8]) -> [Float] {
    bytes.withUnsafeBytes { $0.bindMemory(to: S.Bits.self).map(S.float) }
}

extension FP8Quantizer: FloatScaleFormat {
    var frozenElement: FloatCandidateGrid.Element { .fp8 }
    var scalesInWeightDtype: Bool { true }
    func scaleBlock(_ weight: TensorInfo) -> (rows: Int, columns: Int) {
        (granularity == .channel ? 1 : weight.shape[0], weight.shape[1])
    }
    func divisors<S: WeightStorage>(_: S.Type, scaleOutputs: [[UInt8]]) -> [Float] { dtypeScales(S.self, scaleOutputs[0]) }
}

extension FP8BlockQuantizer: FloatScaleFormat {
    var frozenElement: FloatCandidateGrid.Element { .fp8 }
    var scalesInWeightDtype: Bool { true }
    func scaleBlock(_: TensorInfo) -> (rows: Int, columns: Int) { (blockRows, blockColumns) }
    func divisors<S: WeightStorage>(_: S.Type, scaleOutputs: [[UInt8]]) -> [Float] { dtypeScales(S.self, scaleOutputs[0]) }
}

extension NVFP4Quantizer: FloatScaleFormat {
    var frozenElement: FloatCandidateGrid.Element { .fp4 }
    var scalesInWeightDtype: Bool { false }
    func scaleBlock(_: TensorInfo) -> (rows: Int, columns: Int) { (1, Self.groupSize) }
    /// `scale / global_scale` in float32, from the FP8 scale codes and the float32 global scale.
    func divisors<S: WeightStorage>(_: S.Type, scaleOutputs: [[UInt8]]) -> [Float] {
        let global = scaleOutputs[1].withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
        return scaleOutputs[0].map { FP8E4M3.decode($0) / global }
    }
}

extension MXQuantizer: FloatScaleFormat {
    var frozenElement: FloatCandidateGrid.Element { element == .fp4 ? .fp4 : .fp8 }
    var scalesInWeightDtype: Bool { true }
    func scaleBlock(_: TensorInfo) -> (rows: Int, columns: Int) { (1, Self.groupSize) }
    /// The power of two each E8M0 code stands for.
    func divisors<S: WeightStorage>(_: S.Type, scaleOutputs: [[UInt8]]) -> [Float] { scaleOutputs[0].map(E8M0.decode) }
}
