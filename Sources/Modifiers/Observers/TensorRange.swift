/// The smallest and largest value of one observation (a sample's activations at a site).
enum TensorRange {
    /// The extremes of `rows` rows of `width` values, `stride` apart, as `Swift.min` and
    /// `Swift.max` folded over the values in order give them: NaNs are skipped (all NaN, or no
    /// values, give `(+∞, −∞)`).
    ///
    /// Sixteen lanes at a time, each keeping its extremes; equal values are interchangeable
    /// except zeros, whose sign the order decides, so a zero extreme is found again in order.
    static func of(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) -> (min: Float, max: Float) {
        var lo = SIMD16<Float>(repeating: .infinity), hi = SIMD16<Float>(repeating: -.infinity)
        var tailLo = Float.infinity, tailHi = -Float.infinity
        for r in 0..<rows {
            let row = values + r * stride
            var c = 0
            while c + 16 <= width {
                let v = UnsafeRawPointer(row + c).loadUnaligned(as: SIMD16<Float>.self)
                lo.replace(with: v, where: v .< lo)
                hi.replace(with: v, where: v .> hi)
                c += 16
            }
            while c < width {
                tailLo = Swift.min(tailLo, row[c])
                tailHi = Swift.max(tailHi, row[c])
                c += 1
            }
        }
        let result = (min: Swift.min(lo.min(), tailLo), max: Swift.max(hi.max(), tailHi))
        return result.min == 0 || result.max == 0 ? inOrder(values, rows: rows, width: width, stride: stride) : result
    }

    /// ``of(_:rows:width:stride:)`` one value at a time.
    static func inOrder(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) -> (min: Float, max: Float) {
        var lo = Float.infinity, hi = -Float.infinity
        for r in 0..<rows {
            let row = values + r * stride
            for c in 0..<width {
                lo = Swift.min(lo, row[c])
                hi = Swift.max(hi, row[c])
            }
        }
        return (lo, hi)
    }
}
