import Checkpoint
import Runtime

/// The Hessian GPTQ needs for one Linear layer, accumulated from the layer's calibration inputs
/// as llm-compressor 0.14 does (`accumulate_hessian`, then `prepare_batch`):
/// `H = (Σ 2 · XᵀX) / n`, the sum over every input row `X` (token) of every sample and `n` the
/// number of samples (sequences, not tokens). Each call's `XᵀX` comes from the runtime's f32
/// kernel; the sum over calls is kept in float64, so that it barely depends on the order the
/// samples are added in: ranks that split the samples (MPI) and add their parts in rank order get
/// the single-process Hessian after rounding to float32, where a float32 sum would differ in the
/// last bits and flip GPTQ codes.
///
/// The inputs of a bf16 layer calibrated in its dtype are rounded to bf16 first
/// (`roundsInputsToBF16`), as llm-compressor's bf16 model hands them to GPTQ as bf16 tensors
/// (`inp.to(float32)` of a bf16 tensor); their products are then exact, summed in f32 by
/// `ck_matmul_bf16_inputs` (twice the multiply-adds a cycle on CPUs with AVX512_BF16).
///
/// - Complexity: `add` is `O(count · columns²)`; memory is `columns · (columns + 1) / 2` doubles
///   (the bytes of a full float32 matrix).
struct HessianAccumulator {
    /// Columns of the layer's weight: the width of each input row.
    let columns: Int
    /// Whether input rows are rounded to bf16 before they are added.
    let roundsInputsToBF16: Bool
    /// Samples added so far.
    private(set) var sampleCount = 0
    /// `Σ 2 · XᵀX`, its upper triangle packed row by row (row `r` holds columns `r..<columns`).
    private var sum: [Double]

    init(columns: Int, roundsInputsToBF16: Bool = false) {
        precondition(columns > 0, "a Hessian needs at least one column")
        self.columns = columns
        self.roundsInputsToBF16 = roundsInputsToBF16
        sum = [Double](repeating: 0, count: columns * (columns + 1) / 2)
    }

    /// Where row `r`'s diagonal entry starts in the packed upper triangle.
    private func packedRowStart(_ r: Int) -> Int { r * columns - r * (r - 1) / 2 }

    /// Adds `count` input rows (`count × columns` floats, row-major) that make up `samples`
    /// samples: one sequence by default, as one forward call of llm-compressor's pipeline with
    /// its default batch size of 1 gives.
    mutating func add(rows: UnsafePointer<Float>, count: Int, samples: Int = 1) {
        precondition(count >= 0 && samples >= 0, "negative row or sample count")
        sampleCount += samples
        guard count > 0 else { return }
        let n = columns, chunk = Swift.min(n, Self.chunkColumns)
        // Xᵀ's rows (one per column of X) are both operands of the runtime's kernel.
        let columnsOfX = CPUKernels.transposed(rows, rows: count, columns: n, stride: n)
        let bf16ColumnsOfX = roundsInputsToBF16 ? columnsOfX.map(BF16.bits) : []
        var product = [Float](repeating: 0, count: n * chunk)
        let rowStarts = (0..<n).map(packedRowStart)
        columnsOfX.withUnsafeBufferPointer { t in
            bf16ColumnsOfX.withUnsafeBufferPointer { b in
                product.withUnsafeMutableBufferPointer { p in
                    sum.withUnsafeMutableBufferPointer { h in
                        // Columns o0..<o1 of the upper triangle need rows 0..<o1 only.
                        for o0 in stride(from: 0, to: n, by: chunk) {
                            let o1 = Swift.min(n, o0 + chunk), width = o1 - o0
                            if roundsInputsToBF16 {
                                CPUKernels.multiplyRoundingToBF16(t.baseAddress!, ldx: count, rows: o1, by: b.baseAddress! + o0 * count, ldw: count,
                                                                  outputs: width, columns: count, into: p.baseAddress!, ldy: width)
                            } else {
                                CPUKernels.multiply(t.baseAddress!, ldx: count, rows: o1, by: t.baseAddress! + o0 * count, ldw: count,
                                                    outputs: width, columns: count, into: p.baseAddress!, ldy: width)
                            }
                            for r in 0..<o1 {
                                let first = Swift.max(o0, r)
                                let row = h.baseAddress! + rowStarts[r] + (first - r), source = p.baseAddress! + r * width + (first - o0)
                                for j in 0..<(o1 - first) { row[j] += 2 * Double(source[j]) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The packed upper triangle of the sum (`columns·(columns+1)/2` doubles): what a rank sends
    /// of its part of the samples.
    var packedSum: [Double] { sum }

    /// The accumulator of all samples from the `packedSums` of the parts they were split into (in
    /// rank order, added in that order in float64) and their `sampleCounts`: the mean over all
    /// samples, which is each part's mean weighted by its samples, as llm-compressor's running
    /// mean weights each batch.
    init(columns: Int, packedSums: [[Double]], sampleCounts: [Int]) throws(ModifierError) {
        self.init(columns: columns)
        for part in packedSums {
            guard part.count == sum.count else {
                throw .mpi("a rank sent a Hessian of \(part.count) values where \(columns) columns need \(sum.count)")
            }
            for k in sum.indices { sum[k] += part[k] }
        }
        sampleCount = sampleCounts.reduce(0, +)
    }

    /// Hessian columns computed per product: bounds the product's scratch to `columns × 512` floats.
    private static let chunkColumns = 512

    /// The normalized Hessian, `Σ 2 · XᵀX / sampleCount` rounded to float32, full and symmetric
    /// (`columns × columns`, row-major); all zeros before any sample.
    consuming func hessian() -> [Float] {
        let n = columns, divisor = Double(Swift.max(sampleCount, 1))
        var h = [Float](repeating: 0, count: n * n)
        sum.withUnsafeBufferPointer { packed in
            h.withUnsafeMutableBufferPointer { h in
                var k = 0
                for r in 0..<n {
                    for c in r..<n {
                        let v = Float(packed[k] / divisor)
                        h[r * n + c] = v
                        h[c * n + r] = v
                        k += 1
                    }
                }
            }
        }
        sum = []
        return h
    }
}
