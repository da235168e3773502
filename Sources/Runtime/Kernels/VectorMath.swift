import Foundation

/// Elementwise kernels over raw f32 buffers, written as plain loops over branch-free arithmetic so
/// that the compiler vectorizes them.
enum VectorMath {
    /// `e^x` in f32 to within about 2 ulp for `x` in [-87, 88]; inputs outside are clamped
    /// (so very negative inputs give about 1e-38, not 0).
    ///
    /// Range reduction `x = n·ln2 + r`, |r| ≤ ln2/2, a degree-7 Taylor polynomial for `e^r`, and
    /// `2^n` built in the exponent bits.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        exp(SIMD8<Float>(repeating: x))[0]
    }

    /// `e^x` lane by lane, as ``exp(_:)-(Float)`` computes it.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Clamped with masked replacement, which inlines to compare-and-select (the generic
        // `clamped` and `pointwiseMin` do not).
        var clamped = x
        clamped.replace(with: -87, where: clamped .< -87)
        clamped.replace(with: 88, where: clamped .> 88)
        // Adding 1.5·2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
        let shifter = SIMD8<Float>(repeating: 12_582_912)
        let t = clamped * 1.442_695_04 + shifter
        let n = t - shifter
        let r = (clamped - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p = SIMD8<Float>(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = unsafeBitCast(t, to: SIMD8<UInt32>.self)
        let scale = (bits &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(scale, to: SIMD8<Float>.self)
    }

    /// Eight values from `x`, any alignment.
    @inline(__always)
    static func load(_ x: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(x).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Writes eight values to `x`, any alignment.
    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ x: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(x).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// `x[i] = e^(x[i] - shift)` for every `i`, returning the sum of the results in f64.
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Double {
        sumExponentials(x, count: count, subtracting: shift, storeInto: x)
    }

    /// `sum_i e^(x[i] - shift)` in f64, leaving `x` unchanged.
    static func sumOfExponentials(_ x: UnsafePointer<Float>, count: Int, subtracting shift: Float) -> Double {
        sumExponentials(x, count: count, subtracting: shift, storeInto: nil)
    }

    /// The sum of `e^(x[i] - shift)`, eight lanes in f32 within blocks of 256 and f64 across
    /// blocks; the terms are written to `output` when given.
    @inline(__always)
    private static func sumExponentials(
        _ x: UnsafePointer<Float>, count: Int, subtracting shift: Float, storeInto output: UnsafeMutablePointer<Float>?
    ) -> Double {
        let offset = SIMD8<Float>(repeating: shift)
        var total: Double = 0
        var i = 0
        while i + 8 <= count {
            let end = Swift.min(i + 256, count & ~7)
            var lanes = SIMD8<Float>()
            while i < end {
                let e = exp(load(x + i) - offset)
                if let output { store(e, output + i) }
                lanes += e
                i += 8
            }
            total += Double(lanes.sum())
        }
        while i < count {
            let e = exp(x[i] - shift)
            output?[i] = e
            total += Double(e)
            i += 1
        }
        return total
    }

    /// `sum_i x[i]²` in f64 (eight f32 lanes within blocks of 256).
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var total: Double = 0
        var i = 0
        while i + 8 <= count {
            let end = Swift.min(i + 256, count & ~7)
            var lanes = SIMD8<Float>()
            while i < end {
                let v = load(x + i)
                lanes += v * v
                i += 8
            }
            total += Double(lanes.sum())
        }
        while i < count {
            total += Double(x[i] * x[i])
            i += 1
        }
        return total
    }

    /// The largest of `count` values (at least one).
    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var best = x[0]
        var i = 0
        if count >= 8 {
            var lanes = load(x)
            i = 8
            while i + 8 <= count {
                let v = load(x + i)
                lanes.replace(with: v, where: v .> lanes)
                i += 8
            }
            best = lanes.max()
        }
        while i < count {
            best = Swift.max(best, x[i])
            i += 1
        }
        return best
    }

    /// `x[i] *= factor`.
    static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        for i in 0..<count { x[i] *= factor }
    }

    /// `x[i] += y[i]`.
    static func add(_ y: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// Adds `bias` (when given) to each of `rows` rows of `bias.count` values at `x`.
    static func add(_ bias: [Float]?, toRows x: UnsafeMutablePointer<Float>, rows: Int) {
        guard let bias else { return }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows { add(b.baseAddress!, to: x + r * b.count, count: b.count) }
        }
    }

    /// `x[i] = cap · tanh(x[i] / cap)`.
    static func softcap(_ x: UnsafeMutablePointer<Float>, count: Int, cap: Float) {
        for i in 0..<count { x[i] = cap * Foundation.tanh(x[i] / cap) }
    }
}
