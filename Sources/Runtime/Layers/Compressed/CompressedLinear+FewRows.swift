import Foundation

extension CompressedLinear {
    /// Input rows up to which ``apply(_:rows:into:)`` takes the few-rows path: decoding the weight
    /// then costs as much as multiplying it, so it is split over threads.
    static var fewRows: Int { 4 }

    /// `output = x · Wᵀ` for a few rows (decoding one token at a time): the weight rows are split
    /// into one contiguous share per compute thread, and each thread decodes its share a tile at a
    /// time into its own scratch and takes dot products, so decoding runs on every core.
    func applyFewRows(_ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures
        let shares = max(1, min(ComputeThreads.current, n))
        let perShare = (n + shares - 1) / shares, tile = min(tileRows, perShare)
        let out = UncheckedSendable(output), input = UncheckedSendable(UnsafeMutablePointer(mutating: x))
        DispatchQueue.concurrentPerform(iterations: shares) { share in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)
            defer { scratch.deallocate() }
            var start = share * perShare
            let end = min(n, start + perShare)
            while start < end {
                let count = min(tile, end - start)
                weights.decode(rows: start..<(start + count), into: scratch)
                for o in 0..<count {
                    for r in 0..<rows {
                        out.value[r * n + start + o] = Self.dot(input.value + r * k, scratch + o * k, count: k)
                    }
                }
                start += count
            }
        }
    }

    /// `Σ a[i]·b[i]` over `count` values, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var sum = lanes.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}
