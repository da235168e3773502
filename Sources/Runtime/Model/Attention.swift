/// Causal grouped-query attention over a layer's cached keys and values, head by head, with GEMMs
/// for the scores and the weighted values.
struct Attention {
    let headCount: Int
    let keyValueHeadCount: Int
    let headDim: Int
    let scale: Float
    let softcap: Float?
    /// Keys further back than this many positions are masked (nil: none).
    let window: Int?

    /// Query rows handled by one scores GEMM: keys past a block's last query are skipped, so the
    /// masked upper triangle costs at most one block's width.
    static let queryBlock = 128

    /// Attends `rows` queries at positions `past..<past+rows` to keys and values `0..<past+rows`.
    ///
    /// - Parameters:
    ///   - queries: `rows` rows, `queryStride` apart, each `headCount × headDim` (rotated).
    ///   - keys, values: `past + rows` rows of `keyValueHeadCount × headDim`, packed.
    ///   - scores: room for `min(rows, queryBlock) × (past + rows)` values.
    ///   - output: `rows × headCount·headDim` values, packed; overwritten.
    func callAsFunction(
        queries: UnsafePointer<Float>, queryStride: Int, rows: Int, past: Int,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        scores: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let kvWidth = keyValueHeadCount * headDim
        let outWidth = headCount * headDim
        let group = headCount / keyValueHeadCount
        for h in 0..<headCount {
            let g = h / group
            var r0 = 0
            while r0 < rows {
                let blockRows = Swift.min(Self.queryBlock, rows - r0)
                let first = past + r0
                let keyEnd = first + blockRows
                let keyStart = window.map { Swift.max(0, first - $0 + 1) } ?? 0
                let span = keyEnd - keyStart
                BLAS.gemm(
                    m: blockRows, n: span, k: headDim, alpha: scale,
                    a: queries + r0 * queryStride + h * headDim, lda: queryStride,
                    b: keys + keyStart * kvWidth + g * headDim, ldb: kvWidth, transposeB: true,
                    c: scores, ldc: span)
                for i in 0..<blockRows {
                    let position = first + i
                    let lo = (window.map { Swift.max(keyStart, position - $0 + 1) } ?? keyStart) - keyStart
                    let hi = position + 1 - keyStart
                    softmax(row: scores + i * span, visible: lo..<hi, width: span)
                }
                BLAS.gemm(
                    m: blockRows, n: headDim, k: span,
                    a: scores, lda: span,
                    b: values + keyStart * kvWidth + g * headDim, ldb: kvWidth, transposeB: false,
                    c: output + r0 * outWidth + h * headDim, ldc: outWidth)
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
