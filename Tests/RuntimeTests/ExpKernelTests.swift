import CKernels
import Foundation
import Testing
import TestSupport

/// `ck_exp_sum`, `ck_silu_product` and `ck_maximum` on every path this CPU runs, against f64 references: each
/// value within a few ulp, lengths that end mid-vector and mid-block, inputs past the clamp.
@Suite struct ExpKernelTests {
    /// Lengths: empty, shorter than a vector, one vector and a bit, past a 256-value block, a vocabulary.
    static let lengths = [0, 1, 7, 17, 255, 300, 49_152]

    static func values(_ count: Int, in range: ClosedRange<Float>, random: inout SeededRandom) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &random) }
    }

    /// The relative difference of `value` from `reference`.
    static func error(_ value: Float, _ reference: Double) -> Double { abs(Double(value) - reference) / reference }

    @Test func exponentialsAndTheirSumOnEveryPath() {
        var random = SeededRandom()
        for path in CPUKernelTests.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            for count in Self.lengths {
                let x = Self.values(count, in: -30...20, random: &random)
                let shift: Float = 3.5
                var out = [Float](repeating: .nan, count: count + 1)
                let sum = out.withUnsafeMutableBufferPointer { ck_exp_sum(x, count, shift, $0.baseAddress) }
                // Of the f32 difference, which the kernel exponentiates (its rounding alone moves e^ by up to 2e-6).
                let references = x.map { Foundation.exp(Double($0 - shift)) }
                let worst = zip(out, references).map { Self.error($0, $1) }.max() ?? 0
                #expect(worst < 5e-7, "\(path) n\(count): worst relative error \(worst)")
                #expect(out[count].isNaN, "\(path) n\(count): wrote past the end")
                let total = references.reduce(0, +)
                #expect(abs(sum - total) <= 1e-6 * total, "\(path) n\(count): sum \(sum) vs \(total)")
                let alone = ck_exp_sum(x, count, shift, nil)
                #expect(alone == sum, "\(path) n\(count): the sum depends on writing the terms")
            }
        }
    }

    /// Every path gives the portable path's bits (the runtime's results do not depend on the CPU),
    /// for the exponentials, their sum and the gated product.
    @Test func everyPathGivesTheSameBits() {
        var random = SeededRandom(seed: 7)
        let count = 1_003
        let x = Self.values(count, in: -40...30, random: &random), up = Self.values(count, in: -2...2, random: &random)
        func results(_ path: ck_path) -> (terms: [Float], sum: Double, silu: [Float]) {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            var terms = [Float](repeating: 0, count: count), silu = [Float](repeating: 0, count: count)
            let sum = terms.withUnsafeMutableBufferPointer { ck_exp_sum(x, count, 1.25, $0.baseAddress) }
            silu.withUnsafeMutableBufferPointer { ck_silu_product(x, up, $0.baseAddress, count) }
            return (terms, sum, silu)
        }
        let portable = results(CK_PORTABLE)
        for path in CPUKernelTests.paths where path != CK_PORTABLE {
            let other = results(path)
            #expect(other.terms.map(\.bitPattern) == portable.terms.map(\.bitPattern), "\(path): exponentials")
            #expect(other.sum.bitPattern == portable.sum.bitPattern, "\(path): sum \(other.sum) vs \(portable.sum)")
            #expect(other.silu.map(\.bitPattern) == portable.silu.map(\.bitPattern), "\(path): gated product")
        }
    }

    /// `ck_maximum` finds the largest value wherever it lies: in the first vector, in the vectors'
    /// loop, among the values past the last whole vectors, in lengths below the vectors' minimum.
    @Test func maximumOnEveryPath() {
        var random = SeededRandom(seed: 11)
        for path in CPUKernelTests.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            for count in Self.lengths.dropFirst() + [63, 64, 65, 130] {
                let base = Self.values(count, in: -50...(-1), random: &random)
                #expect(ck_maximum(base, count) == base.max(), "\(path) n\(count): negatives")
                for place in Set([0, count / 2, count - 1, Swift.min(count - 1, 70)]) {
                    var x = base
                    x[place] = 3.25
                    #expect(ck_maximum(x, count) == 3.25, "\(path) n\(count): largest at \(place)")
                }
            }
        }
    }

    @Test func inputsPastTheRangeAreClamped() {
        for path in CPUKernelTests.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            var x: [Float] = [-1000, -88, 89, 200, 0, 1]
            let count = x.count
            _ = x.withUnsafeMutableBufferPointer { ck_exp_sum($0.baseAddress, count, 0, $0.baseAddress) }
            #expect(x[0] > 0 && x[0] < 1e-37 && x[1] == x[0], "\(path): \(x)")
            #expect(x[2].isFinite && x[3] == x[2] && Self.error(x[2], Foundation.exp(88.0)) < 5e-7, "\(path): \(x)")
            #expect(x[4] == 1 && Self.error(x[5], M_E) < 5e-7, "\(path): \(x)")
        }
    }

    @Test func siluProductOnEveryPath() {
        var random = SeededRandom(seed: 42)
        for path in CPUKernelTests.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            for count in Self.lengths {
                let gate = Self.values(count, in: -12...12, random: &random), up = Self.values(count, in: -2...2, random: &random)
                var out = [Float](repeating: .nan, count: count + 1)
                out.withUnsafeMutableBufferPointer { ck_silu_product(gate, up, $0.baseAddress, count) }
                for i in 0..<count {
                    let g = Double(gate[i]), reference = g / (1 + Foundation.exp(-g)) * Double(up[i])
                    if abs(Double(out[i]) - reference) > 1e-6 * max(abs(reference), 1e-3) {
                        Issue.record("\(path) n\(count) i\(i): \(out[i]) vs \(reference)")
                        break
                    }
                }
                #expect(out[count].isNaN, "\(path) n\(count): wrote past the end")
            }
        }
    }
}
