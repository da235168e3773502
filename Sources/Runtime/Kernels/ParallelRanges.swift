import Dispatch

extension ComputeThreads {
    /// Calls `body` with contiguous ranges covering `0..<count`, one per compute thread when the
    /// `work` (elementwise operations in all) is enough to share, else one range on this thread.
    /// Each element is handled by exactly one call, so results written per element do not depend
    /// on the thread count.
    static func forEachRange(count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let shares = work < threadedWork ? 1 : Swift.min(current, count)
        guard shares > 1 else { return body(0..<count) }
        let perShare = (count + shares - 1) / shares
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: shares) { share in
                let start = share * perShare, end = Swift.min(count, start + perShare)
                if start < end { shared.value(start..<end) }
            }
        }
    }

    /// Elementwise operations below which ``forEachRange(count:work:_:)`` stays on this thread.
    static let threadedWork = 1 << 16
}
