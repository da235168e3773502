import CKernels
import Testing
import TestSupport

/// The order in which the kernels sum each output, on every path this CPU runs (the portable one
/// is what COMPRESS_KERNELS=portable chooses): it depends on the rows of x only, never on the
/// range of outputs one call computes (so not on the compute threads sharing a product), and
/// calibration's batches (64 rows and more: packed panels) sum each output's products column by
/// column from zero, one rounding a step, fused on the SIMD paths.
@Suite struct CPUKernelOrderTests {
    static let paths = CPUKernelTests.paths

    /// A product's operands: x `m × k` (`k + 1` apart), f32 weights and their bf16 halves `n × k`.
    struct Operands {
        let m: Int, n: Int, k: Int
        let x: [Float], weights: [Float], halves: [UInt16]
        var ldx: Int { k + 1 }

        init(m: Int, n: Int, k: Int, random: inout SeededRandom) {
            (self.m, self.n, self.k) = (m, n, k)
            x = (0..<(m * (k + 1))).map { _ in Float.random(in: -1...1, using: &random) }
            halves = (0..<(n * k)).map { _ in UInt16(Float.random(in: -1...1, using: &random).bitPattern >> 16) }
            weights = halves.map { Float(bitPattern: UInt32($0) << 16) }
        }

        /// y (`m × n`) from `kernel(first, count, y)` called on consecutive output ranges starting at `cuts`.
        func product(cuts: [Int] = [0], _ kernel: (Int, Int, UnsafeMutablePointer<Float>) -> Void) -> [UInt32] {
            var y = [Float](repeating: .nan, count: m * n)
            y.withUnsafeMutableBufferPointer { y in
                for (i, first) in cuts.enumerated() { kernel(first, (i + 1 < cuts.count ? cuts[i + 1] : n) - first, y.baseAddress!) }
            }
            return y.map(\.bitPattern)
        }

        func f32(cuts: [Int] = [0]) -> [UInt32] {
            product(cuts: cuts) { first, count, y in ck_matmul_f32(m, first, count, k, x, ldx, weights, k, y, n) }
        }

        func bf16(cuts: [Int] = [0]) -> [UInt32] {
            product(cuts: cuts) { first, count, y in ck_matmul_bf16(m, first, count, k, x, ldx, halves, k, y, n) }
        }

        /// Σ_c x[r][c]·w[o][c] from zero in column order, each step rounded once (`fused`) or twice.
        func inColumnOrder(fused: Bool) -> [UInt32] {
            var y: [UInt32] = []
            for r in 0..<m {
                for o in 0..<n {
                    var sum: Float = 0
                    for c in 0..<k {
                        let (a, b) = (x[r * ldx + c], weights[o * k + c])
                        sum = fused ? sum.addingProduct(a, b) : sum + a * b
                    }
                    y.append(sum.bitPattern)
                }
            }
            return y
        }
    }

    /// Partial panels of outputs, columns that do not fill a vector, rows past whole steps of x.
    @Test func calibrationBatchesSumColumnsInOrder() {
        var random = SeededRandom()
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            for (m, n, k) in [(64, 32, 16), (77, 35, 300), (100, 70, 17), (65, 3, 1030)] {
                let p = Operands(m: m, n: n, k: k, random: &random)
                let expected = p.inColumnOrder(fused: path != CK_PORTABLE)
                #expect(p.f32() == expected, "f32 \(path) m\(m) n\(n) k\(k)")
                #expect(p.bf16() == expected, "bf16 \(path) m\(m) n\(n) k\(k)")
            }
        }
    }

    /// Decoding, prefill and calibration row counts, outputs split as the compute threads split them
    /// (multiples of 16) and unevenly.
    @Test func outputRangesDoNotChangeTheSums() {
        var random = SeededRandom()
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            for m in [1, 5, 20, 70] {
                let p = Operands(m: m, n: 83, k: 130, random: &random)
                for cuts in [[0, 16], [0, 32, 64], [0, 5, 37, 38]] {
                    #expect(p.f32(cuts: cuts) == p.f32(), "f32 \(path) m\(m) cuts \(cuts)")
                    #expect(p.bf16(cuts: cuts) == p.bf16(), "bf16 \(path) m\(m) cuts \(cuts)")
                }
            }
        }
    }
}
