import Runtime

/// The Hessian GPTQ needs for one Linear layer, accumulated from the layer's calibration inputs
/// as llm-compressor 0.14 does (`accumulate_hessian`, then `prepare_batch`):
/// `H = (Σ 2 · XᵀX) / n`, the sum over every input row `X` (token) of every sample and `n` the
/// number of samples (sequences, not tokens). The sum is kept in float32 like llm-compressor's, its
/// upper triangle added to per call from `XᵀX` on the runtime's f32 kernel.
///
/// - Complexity: `add` is `O(count · columns²)`; memory is `columns²` floats.
struct HessianAccumulator {
    /// Columns of the layer's weight: the width of each input row.
    let columns: Int
    /// Samples added so far.
    private(set) var sampleCount = 0
    /// `Σ 2 · XᵀX` in the upper triangle of a row-major `columns × columns` matrix.
    private var sum: [Float]

    init(columns: Int) {
        precondition(columns > 0, "a Hessian needs at least one column")
        self.columns = columns
        sum = [Float](repeating: 0, count: columns * columns)
    }

    /// Adds `count` input rows (`count × columns` floats, row-major) that make up `samples`
    /// samples: one sequence by default, as one forward call of llm-compressor's pipeline with
    /// its default batch size of 1 gives.
    mutating func add(rows: UnsafePointer<Float>, count: Int, samples: Int = 1) {
        precondition(count >= 0 && samples >= 0, "negative row or sample count")
        sampleCount += samples
        guard count > 0 else { return }
        let n = columns, chunk = Swift.min(n, Self.chunkColumns)
        // Xᵀ's rows (one per column of X) are both operands of the runtime's f32 kernel.
        let columnsOfX = transposed(rows, rows: count, columns: n, stride: n)
        var product = [Float](repeating: 0, count: n * chunk)
        columnsOfX.withUnsafeBufferPointer { t in
            product.withUnsafeMutableBufferPointer { p in
                sum.withUnsafeMutableBufferPointer { h in
                    // Columns o0..<o1 of the upper triangle need rows 0..<o1 only.
                    for o0 in stride(from: 0, to: n, by: chunk) {
                        let o1 = Swift.min(n, o0 + chunk), width = o1 - o0
                        CPUKernels.multiply(t.baseAddress!, ldx: count, rows: o1, by: t.baseAddress! + o0 * count, ldw: count, outputs: width,
                                            columns: count, into: p.baseAddress!, ldy: width)
                        for r in 0..<o1 {
                            let row = h.baseAddress! + r * n + o0, source = p.baseAddress! + r * width
                            for j in 0..<width { row[j] += 2 * source[j] }
                        }
                    }
                }
            }
        }
    }

    /// The upper triangle of the sum, row by row (`columns·(columns+1)/2` floats): what a rank
    /// sends of its part of the samples.
    var packedSum: [Float] {
        var packed: [Float] = []
        packed.reserveCapacity(columns * (columns + 1) / 2)
        for r in 0..<columns { packed.append(contentsOf: sum[(r * columns + r)..<((r + 1) * columns)]) }
        return packed
    }

    /// The accumulator of all samples from the `packedSums` of the parts they were split into (in
    /// rank order, added in that order in float32) and their `sampleCounts`: the mean over all
    /// samples, which is each part's mean weighted by its samples, as llm-compressor's running
    /// mean weights each batch.
    init(columns: Int, packedSums: [[Float]], sampleCounts: [Int]) throws(ModifierError) {
        self.init(columns: columns)
        let packedCount = columns * (columns + 1) / 2
        for part in packedSums {
            guard part.count == packedCount else {
                throw .mpi("a rank sent a Hessian of \(part.count) values where \(columns) columns need \(packedCount)")
            }
            var k = 0
            for r in 0..<columns {
                for c in r..<columns {
                    sum[r * columns + c] += part[k]
                    k += 1
                }
            }
        }
        sampleCount = sampleCounts.reduce(0, +)
    }

    /// Hessian columns computed per product: bounds the product's scratch to `columns × 512` floats.
    private static let chunkColumns = 512

    /// The normalized Hessian, `Σ 2 · XᵀX / sampleCount`, full and symmetric (`columns × columns`,
    /// row-major), made in place of the sum; all zeros before any sample.
    consuming func hessian() -> [Float] {
        let n = columns, divisor = Float(Swift.max(sampleCount, 1))
        var h = sum
        sum = []
        h.withUnsafeMutableBufferPointer { h in
            for r in 0..<n {
                for c in r..<n {
                    let v = h[r * n + c] / divisor
                    h[r * n + c] = v
                    h[c * n + r] = v
                }
            }
        }
        return h
    }
}
