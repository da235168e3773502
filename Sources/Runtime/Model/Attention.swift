/// Causal grouped-query attention over a layer's cached keys and values, one key-value head at a
/// time: the query heads that share it are stacked into one matrix, so each block of queries
/// takes one product for its scores and one for its output (the f32 kernel, over the compute threads).
struct Attention {
    let headCount: Int
    let keyValueHeadCount: Int
    let headDim: Int
    let scale: Float
    let softcap: Float?
    /// Keys further back than this many positions are masked (nil: none).
    let window: Int?

    /// Query positions handled by one scores GEMM: keys past a block's last query are skipped, so
    /// the masked upper triangle costs at most one block's width.
    static let queryBlock = 128

    /// Query heads per key-value head.
    var groupSize: Int { headCount / keyValueHeadCount }

    /// Scratch sizes for `rows` queries at positions `past..<past+rows`: scores, the stacked
    /// queries (the stacked outputs take as many), and one head's values transposed.
    static func scratch(rows: Int, past: Int, headCount: Int, keyValueHeadCount: Int, headDim: Int) -> (scores: Int, stacked: Int, values: Int) {
        let stackedRows = Swift.min(rows, queryBlock) * (headCount / keyValueHeadCount)
        return (stackedRows * (past + rows), stackedRows * headDim, (past + rows) * headDim)
    }

    /// Attends `rows` queries at positions `past..<past+rows` to keys and values `0..<past+rows`.
    ///
    /// - Parameters:
    ///   - queries: `rows` rows, `queryStride` apart, each `headCount × headDim` (rotated).
    ///   - keys, values: `past + rows` rows of `keyValueHeadCount × headDim`, packed.
    ///   - scores, stackedQueries, stackedOutput, transposedValues: scratch of the sizes
    ///     ``scratch(rows:past:headCount:keyValueHeadCount:headDim:)`` gives.
    ///   - output: `rows × headCount·headDim` values, packed; overwritten.
    func callAsFunction(
        queries: UnsafePointer<Float>, queryStride: Int, rows: Int, past: Int,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        scores: UnsafeMutablePointer<Float>, stackedQueries: UnsafeMutablePointer<Float>,
        stackedOutput: UnsafeMutablePointer<Float>, transposedValues: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let kvWidth = keyValueHeadCount * headDim
        let outWidth = headCount * headDim
        let group = groupSize
        let groupWidth = group * headDim
        for g in 0..<keyValueHeadCount {
            var r0 = 0
            while r0 < rows {
                let blockRows = Swift.min(Self.queryBlock, rows - r0)
                let first = past + r0
                let keyEnd = first + blockRows
                let keyStart = window.map { Swift.max(0, first - $0 + 1) } ?? 0
                let span = keyEnd - keyStart
                // Row i·group + j of the stack is query position first+i, head g·group + j: the
                // group's heads are adjacent in a query row, so each position copies one run,
                // scaled.
                for i in 0..<blockRows {
                    let source = queries + (r0 + i) * queryStride + g * groupWidth, stacked = stackedQueries + i * groupWidth
                    for c in 0..<groupWidth { stacked[c] = source[c] * scale }
                }
                CPUKernels.multiply(
                    stackedQueries, ldx: headDim, rows: blockRows * group, by: keys + keyStart * kvWidth + g * headDim, ldw: kvWidth,
                    outputs: span, columns: headDim, into: scores, ldy: span)
                for i in 0..<blockRows {
                    let position = first + i
                    let lo = (window.map { Swift.max(keyStart, position - $0 + 1) } ?? keyStart) - keyStart
                    let hi = position + 1 - keyStart
                    for j in 0..<group { softmax(row: scores + (i * group + j) * span, visible: lo..<hi, width: span) }
                }
                for j in 0..<span {
                    let value = values + (keyStart + j) * kvWidth + g * headDim
                    for d in 0..<headDim { transposedValues[d * span + j] = value[d] }
                }
                CPUKernels.multiply(
                    scores, ldx: span, rows: blockRows * group, by: transposedValues, ldw: span, outputs: headDim, columns: span,
                    into: stackedOutput, ldy: headDim)
                for i in 0..<blockRows {
                    (output + (r0 + i) * outWidth + g * groupWidth).update(from: stackedOutput + i * groupWidth, count: groupWidth)
                }
                r0 += blockRows
            }
        }
    }

    /// Turns the scores of one query into weights: soft-capped, softmax over `visible`, zero elsewhere.
    private func softmax(row: UnsafeMutablePointer<Float>, visible: Range<Int>, width: Int) {
        for j in 0..<visible.lowerBound { row[j] = 0 }
        for j in visible.upperBound..<width { row[j] = 0 }
        let start = row + visible.lowerBound
        let count = visible.count
        if let softcap { VectorMath.softcap(start, count: count, cap: softcap) }
        let maximum = VectorMath.maximum(start, count: count)
        let total = VectorMath.exponentiate(start, count: count, subtracting: maximum)
        VectorMath.scale(start, count: count, by: Float(1 / total))
    }
}
