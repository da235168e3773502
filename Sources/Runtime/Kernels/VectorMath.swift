import CKernels
import Foundation

/// Elementwise kernels over raw f32 buffers: plain loops over branch-free arithmetic that the
/// compiler vectorizes, and the exponentials of CKernels (`ckernels_exp.h`), which run on the
/// instructions the CPU has.
enum VectorMath {
    /// Eight values from `x`, any alignment.
    @inline(__always)
    static func load(_ x: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(x).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// `x[i] = e^(x[i] - shift)` for every `i`, returning the sum of the results in f64 (the
    /// exponential of `ck_exp_sum`: within about 2 ulp, inputs below -87 clamped).
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Double {
        ck_exp_sum(x, count, shift, x)
    }

    /// `sum_i e^(x[i] - shift)` in f64, leaving `x` unchanged.
    static func sumOfExponentials(_ x: UnsafePointer<Float>, count: Int, subtracting shift: Float) -> Double {
        ck_exp_sum(x, count, shift, nil)
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

    /// The largest of `x[0..<count]` (`count` ≥ 1; inputs without NaN): `ck_maximum`.
    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        ck_maximum(x, count)
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
