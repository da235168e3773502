import CKernels
import Dispatch
import Synchronization

/// Causal grouped-query attention over a layer's cached keys and values, one key-value head and
/// block of query positions at a time: the query heads that share the key-value head are stacked
/// into one matrix, so each block takes one product for its scores and one for its output (the f32
/// kernel). Enough work runs its blocks on the compute threads, each thread with its own scratch;
/// less runs them in turn, each product split over the threads by output rows.
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
    static let queryBlock = 64

    /// Multiply-adds from which the blocks run on the compute threads.
    static let threadedWork = 1 << 20

    /// Query heads per key-value head.
    var groupSize: Int { headCount / keyValueHeadCount }

    /// Scratch sizes for `rows` queries at positions `past..<past+rows`: scores, the stacked
    /// queries (the stacked outputs take as many), and one head's values transposed.
    static func scratch(rows: Int, past: Int, headCount: Int, keyValueHeadCount: Int, headDim: Int) -> (scores: Int, stacked: Int, values: Int) {
        let stackedRows = Swift.min(rows, queryBlock) * (headCount / keyValueHeadCount)
        return (stackedRows * (past + rows), stackedRows * headDim, (past + rows) * headDim)
    }

    /// The scratch one block of queries works in.
    struct Scratch {
        let scores: UnsafeMutablePointer<Float>
        let stackedQueries: UnsafeMutablePointer<Float>
        let stackedOutput: UnsafeMutablePointer<Float>
        let transposedValues: UnsafeMutablePointer<Float>
    }

    /// Attends `rows` queries at positions `past..<past+rows` to keys and values `0..<past+rows`.
    ///
    /// - Parameters:
    ///   - queries: `rows` rows, `queryStride` apart, each `headCount × headDim` (rotated).
    ///   - keys, values: `past + rows` rows of `keyValueHeadCount × headDim`, packed.
    ///   - scratch: buffers of the sizes ``scratch(rows:past:headCount:keyValueHeadCount:headDim:)``
    ///     gives, one per worker: up to as many compute threads take blocks from a shared counter,
    ///     each in its own; the first serves blocks run in turn.
    ///   - output: `rows × headCount·headDim` values, packed; overwritten.
    func callAsFunction(
        queries: UnsafePointer<Float>, queryStride: Int, rows: Int, past: Int,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>, scratch: [Scratch], output: UnsafeMutablePointer<Float>
    ) {
        // The last query blocks see the most keys: taken first, they leave the threads the short
        // blocks to even out on.
        let blocks = stride(from: 0, to: rows, by: Self.queryBlock).reversed().flatMap { r0 in
            (0..<keyValueHeadCount).map { (head: $0, rows: r0..<Swift.min(rows, r0 + Self.queryBlock)) }
        }
        let workers = Swift.min(ComputeThreads.current, blocks.count, scratch.count)
        guard workers > 1, rows * (past + rows) * headDim * headCount >= Self.threadedWork else {
            for block in blocks {
                attend(head: block.head, rows: block.rows, queries: queries, queryStride: queryStride, past: past, keys: keys,
                       values: values, scratch: scratch[0], output: output, threaded: true)
            }
            return
        }
        let shared = UncheckedSendable((queries, keys, values, output))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let (queries, keys, values, output) = shared.value
            while case let i = next.wrappingAdd(1, ordering: .relaxed).oldValue, i < blocks.count {
                attend(head: blocks[i].head, rows: blocks[i].rows, queries: queries, queryStride: queryStride, past: past, keys: keys,
                       values: values, scratch: scratch[worker], output: output, threaded: false)
            }
        }
    }

    /// Query rows `block` (at positions `past + block`) of the query heads sharing key-value head
    /// `g`, into their columns of `output`; the two products on the compute threads when
    /// `threaded`, else on this thread.
    private func attend(
        head g: Int, rows block: Range<Int>, queries: UnsafePointer<Float>, queryStride: Int, past: Int,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>, scratch: Scratch, output: UnsafeMutablePointer<Float>, threaded: Bool
    ) {
        let kvWidth = keyValueHeadCount * headDim
        let outWidth = headCount * headDim
        let group = groupSize
        let groupWidth = group * headDim
        let blockRows = block.count
        let first = past + block.lowerBound
        let keyEnd = first + blockRows
        let keyStart = window.map { Swift.max(0, first - $0 + 1) } ?? 0
        let span = keyEnd - keyStart
        let scores = scratch.scores, stackedQueries = scratch.stackedQueries
        let stackedOutput = scratch.stackedOutput, transposedValues = scratch.transposedValues
        // Row i·group + j of the stack is query position first+i, head g·group + j: the group's
        // heads are adjacent in a query row, so each position copies one run, scaled.
        for i in 0..<blockRows {
            let source = queries + (block.lowerBound + i) * queryStride + g * groupWidth, stacked = stackedQueries + i * groupWidth
            for c in 0..<groupWidth { stacked[c] = source[c] * scale }
        }
        multiply(stackedQueries, ldx: headDim, rows: blockRows * group, by: keys + keyStart * kvWidth + g * headDim, ldw: kvWidth,
                 outputs: span, columns: headDim, into: scores, ldy: span, threaded: threaded)
        for i in 0..<blockRows {
            let position = first + i
            let lo = (window.map { Swift.max(keyStart, position - $0 + 1) } ?? keyStart) - keyStart
            let hi = position + 1 - keyStart
            for j in 0..<group { softmax(row: scores + (i * group + j) * span, visible: lo..<hi, width: span) }
        }
        // The output's transpose, values (transposed) times weights: the stacked rows are the
        // product's outputs, which fill the kernel's panels better than headDim would; each sum
        // takes the same products in the same order. The stacked queries are spent: it goes there.
        let stackedRows = blockRows * group
        CPUKernels.transpose(values + keyStart * kvWidth + g * headDim, rows: span, columns: headDim, stride: kvWidth, into: transposedValues)
        multiply(transposedValues, ldx: span, rows: headDim, by: scores, ldw: span, outputs: stackedRows, columns: span,
                 into: stackedQueries, ldy: stackedRows, threaded: threaded)
        CPUKernels.transpose(stackedQueries, rows: headDim, columns: stackedRows, stride: stackedRows, into: stackedOutput)
        for i in 0..<blockRows {
            (output + (block.lowerBound + i) * outWidth + g * groupWidth).update(from: stackedOutput + i * groupWidth, count: groupWidth)
        }
    }

    /// The f32 product of ``CPUKernels/multiply(_:ldx:rows:by:ldw:outputs:columns:into:ldy:)``,
    /// on this thread unless `threaded`.
    private func multiply(_ x: UnsafePointer<Float>, ldx: Int, rows: Int, by w: UnsafePointer<Float>, ldw: Int, outputs: Int,
                          columns: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, threaded: Bool) {
        if threaded {
            CPUKernels.multiply(x, ldx: ldx, rows: rows, by: w, ldw: ldw, outputs: outputs, columns: columns, into: y, ldy: ldy)
        } else {
            ck_matmul_f32(rows, 0, outputs, columns, x, ldx, w, ldw, y, ldy)
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
