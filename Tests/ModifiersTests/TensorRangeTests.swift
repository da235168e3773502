@testable import Modifiers
import Testing
import TestSupport

/// The extremes of an observation, sixteen lanes at a time, are those of `Swift.min` and
/// `Swift.max` folded over the values in order, bit for bit: NaNs skipped, zeros keeping the sign
/// the order gives them, rows of any width and stride.
@Suite struct TensorRangeTests {
    /// `rows × width` values `stride` apart (the gaps hold values outside every row's range).
    static func observation(rows: Int, width: Int, stride: Int, random: inout SeededRandom,
                            value: (inout SeededRandom) -> Float) -> [Float] {
        var values = [Float](repeating: 1e30, count: max(1, rows * stride))
        for r in 0..<rows {
            for c in 0..<width { values[r * stride + c] = value(&random) }
        }
        return values
    }

    static func expectInOrder(_ values: [Float], rows: Int, width: Int, stride: Int, _ label: String) {
        values.withUnsafeBufferPointer { v in
            let fast = TensorRange.of(v.baseAddress!, rows: rows, width: width, stride: stride)
            let plain = TensorRange.inOrder(v.baseAddress!, rows: rows, width: width, stride: stride)
            #expect(fast.min.bitPattern == plain.min.bitPattern && fast.max.bitPattern == plain.max.bitPattern,
                    "\(label): \(fast) against \(plain)")
        }
    }

    @Test func extremesOfRowsOfAnyWidth() {
        var random = SeededRandom()
        for (rows, width, stride) in [(1, 1, 1), (3, 15, 17), (4, 16, 16), (5, 33, 40), (7, 2048, 2051), (2, 100, 100)] {
            let values = Self.observation(rows: rows, width: width, stride: stride, random: &random) { Float.random(in: -3...2, using: &$0) }
            Self.expectInOrder(values, rows: rows, width: width, stride: stride, "\(rows)×\(width)")
        }
    }

    @Test func nanIsSkippedAndZerosKeepTheirOrder() {
        var random = SeededRandom()
        let shapes = [(3, 40, 41), (2, 16, 16), (1, 7, 7)]
        let kinds: [(String, (inout SeededRandom) -> Float)] = [
            ("NaN among values", { Int.random(in: 0..<5, using: &$0) == 0 ? .nan : Float.random(in: -1...1, using: &$0) }),
            ("zeros of both signs and positives", { r in [Float(0), -0.0, 0.5][Int.random(in: 0..<3, using: &r)] }),
            ("zeros of both signs and negatives", { r in [Float(0), -0.0, -0.5][Int.random(in: 0..<3, using: &r)] }),
            ("zeros of both signs only", { r in Bool.random(using: &r) ? 0 : -0.0 }),
            ("all NaN", { _ in .nan }),
        ]
        for (label, value) in kinds {
            for (rows, width, stride) in shapes {
                let values = Self.observation(rows: rows, width: width, stride: stride, random: &random, value: value)
                Self.expectInOrder(values, rows: rows, width: width, stride: stride, "\(label) \(rows)×\(width)")
            }
        }
        Self.expectInOrder([1], rows: 0, width: 4, stride: 4, "no rows")
        let nothing = [Float(1)].withUnsafeBufferPointer { TensorRange.of($0.baseAddress!, rows: 0, width: 4, stride: 4) }
        #expect(nothing.min == .infinity && nothing.max == -.infinity)
    }
}
