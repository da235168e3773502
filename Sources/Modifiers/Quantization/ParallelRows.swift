import Dispatch

/// Splits `rows` into contiguous chunks and runs `body` on them over `threads` threads.
/// `body` gets a row range; chunks are small enough to balance, large enough to amortise.
func parallelRows(_ rows: Int, threads: Int, minimumRowsPerChunk: Int = 16, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(threads * 4, rows / max(1, minimumRowsPerChunk)))
    if threads <= 1 || chunks == 1 {
        body(0..<rows)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = rows * chunk / chunks, end = rows * (chunk + 1) / chunks
        if start < end { body(start..<end) }
    }
}
