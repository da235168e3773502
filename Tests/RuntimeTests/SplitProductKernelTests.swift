import CKernels
import Runtime
import Testing
import TestSupport

/// The split products (`ck_split_pack`, `ck_matmul_bf16_split`, on CPUs with AVX512_BF16): each
/// output must be, to f32 accumulation's error, the sum this file computes from the algorithm's
/// definition (hi = bf16(x), lo = x − hi; lo and the weights in int8, scale = max |value| / 127
/// per row of x and per output; hi·w plus the codes' integer sum times both scales), and within the
/// int8 correction's bound of the exact f64 product, twenty times nearer to it than x rounded to
/// bf16 alone. The operands are ``BF16InputKernelTests/Operands``'. Shapes:
/// odd k, k not a multiple of 4, one output to several panels, rows of x not a multiple of the
/// kernel's 4, strided x and y; rows packed and outputs computed in ranges as threads cut them;
/// a row of zeros and a row already in bf16.
@Suite(.enabled(if: MatmulPrecision.splitRuns, "the CPU has no AVX512_BF16"))
struct SplitProductKernelTests {
    /// Rows of x, outputs, columns.
    static let shapes = [(1, 1, 1), (3, 5, 7), (7, 50, 33), (64, 48, 65), (70, 97, 131), (130, 200, 300), (9, 16, 1538)]

    /// ``BF16InputKernelTests/Operands`` with row 1, when there is one, all zeros and row 2 already bf16.
    static func operands(_ shape: (Int, Int, Int), random: inout SeededRandom) -> BF16InputKernelTests.Operands {
        var p = BF16InputKernelTests.Operands(shape, random: &random)
        for r in 1..<min(p.m, 3) {
            for c in 0..<p.k { p.x[r * p.ldx + c] = r == 1 ? 0 : BF16InputKernelTests.Operands.rounded(p.x[r * p.ldx + c]) }
        }
        return p
    }

    @Test func eachOutputIsTheAlgorithmsSum() {
        var random = SeededRandom(seed: 3)
        for shape in Self.shapes {
            let p = Self.operands(shape, random: &random)
            let y = p.splitProduct()
            let (expected, magnitudes) = p.splitDefinition()
            let worst = zip(zip(y, expected), magnitudes).map { abs(Double($0.0) - $0.1) / max($1, .leastNormalMagnitude) }.max() ?? 0
            #expect(worst <= Double(p.k + 2) * 0x1p-24, "m\(p.m) n\(p.n) k\(p.k): relative error \(worst)")
        }
    }

    /// Within the correction's bound of the exact product, and in all twenty times nearer to it
    /// than x rounded to bf16 alone;
    /// a row of zeros gives zeros, a row already in bf16 its exact product to f32's rounding.
    @Test func theCorrectionBringsOutputsNearTheExactProduct() {
        var random = SeededRandom(seed: 5)
        for shape in Self.shapes where shape.2 >= 33 {
            let p = Self.operands(shape, random: &random)
            let y = p.splitProduct()
            let (exact, bounds, accumulation) = p.exactWithBounds()
            let over = zip(zip(y, exact), bounds).filter { abs(Double($0.0) - $0.1) > $1 }.count
            #expect(over == 0, "m\(p.m) n\(p.n) k\(p.k): \(over) outputs past the bound")
            var rounded = [Float](repeating: 0, count: p.m * p.n)
            let roundedOnly = p.x.map(BF16InputKernelTests.Operands.rounded)
            rounded.withUnsafeMutableBufferPointer { out in
                ck_matmul_bf16(p.m, 0, p.n, p.k, roundedOnly, p.ldx, p.weights, p.k, out.baseAddress!, p.n)
            }
            let error = zip(y, exact).reduce(0.0) { $0 + abs(Double($1.0) - $1.1) }
            let roundedError = zip(rounded, exact).reduce(0.0) { $0 + abs(Double($1.0) - $1.1) }
            #expect(error * 20 < roundedError, "m\(p.m) n\(p.n) k\(p.k): error \(error), bf16 inputs alone \(roundedError)")
            if p.m > 2 {
                #expect(y[p.n..<(2 * p.n)].allSatisfy { $0 == 0 }, "a row of zeros")
                let row2 = (2 * p.n)..<(3 * p.n)
                #expect(row2.allSatisfy { abs(Double(y[$0]) - exact[$0]) <= accumulation[$0] }, "a row already in bf16")
            }
        }
    }

    /// Rows packed in pieces and outputs in ranges, as threads cut them, give the same bits.
    @Test func rangesDoNotChangeTheSums() {
        var random = SeededRandom(seed: 13)
        for m in [1, 5, 70] {
            let p = Self.operands((m, 83, 131), random: &random)
            let whole = p.splitProduct().map(\.bitPattern)
            for (packCuts, cuts) in [([0, 16], [0, 16]), ([0, 3, 64], [0, 32, 64]), ([0], [0, 5, 37, 38])] {
                #expect(p.splitProduct(packCuts: packCuts, cuts: cuts).map(\.bitPattern) == whole, "m\(m) rows \(packCuts) outputs \(cuts)")
            }
        }
    }

    /// Without a buffer for the packed rows (NULL), packing does nothing and the product is the f32 one.
    @Test func noPackedRowsGiveTheF32Product() {
        var random = SeededRandom(seed: 23)
        let p = BF16InputKernelTests.Operands((70, 50, 131), random: &random)
        ck_split_pack(0, p.m, p.k, p.x, p.ldx, nil, p.m)
        var exact = [Float](repeating: 0, count: p.m * p.n), split = exact
        exact.withUnsafeMutableBufferPointer { y in ck_matmul_bf16(p.m, 0, p.n, p.k, p.x, p.ldx, p.weights, p.k, y.baseAddress!, p.n) }
        split.withUnsafeMutableBufferPointer { y in
            ck_matmul_bf16_split(p.m, 0, p.n, p.k, nil, p.x, p.ldx, p.weights, p.k, y.baseAddress!, p.n)
        }
        #expect(split.map(\.bitPattern) == exact.map(\.bitPattern))
    }

    /// Past CK_SPLIT_MAX_COLUMNS the int32 sums could wrap: the product is then the f32 one.
    @Test func columnsPastTheInt32BoundAreTheF32Product() {
        var random = SeededRandom(seed: 17)
        let p = BF16InputKernelTests.Operands((2, 3, Int(CK_SPLIT_MAX_COLUMNS) + 5), random: &random)
        var exact = [Float](repeating: 0, count: p.m * p.ldy)
        exact.withUnsafeMutableBufferPointer { y in ck_matmul_bf16(p.m, 0, p.n, p.k, p.x, p.ldx, p.weights, p.k, y.baseAddress!, p.ldy) }
        #expect(p.splitProduct() == (0..<p.m).flatMap { r in exact[(r * p.ldy)..<(r * p.ldy + p.n)] })
    }
}

/// The split products of ``BF16InputKernelTests/Operands``: the kernels' outputs, the algorithm's
/// sums and the exact ones with their bounds.
extension BF16InputKernelTests.Operands {
    /// y from packing x's rows in the ranges starting at `packCuts` and multiplying the
    /// outputs in the ranges starting at `cuts`; the padding of y must stay NaN.
    func splitProduct(packCuts: [Int] = [0], cuts: [Int] = [0]) -> [Float] {
        var y = [Float](repeating: .nan, count: m * ldy)
        let packed = ck_split_rows_buffer(m, k)!
        for (i, first) in packCuts.enumerated() where first < m {
            ck_split_pack(first, min(i + 1 < packCuts.count ? packCuts[i + 1] : m, m) - first, k, x, ldx, packed, m)
        }
        y.withUnsafeMutableBufferPointer { y in
            for (i, first) in cuts.enumerated() {
                let count = (i + 1 < cuts.count ? cuts[i + 1] : n) - first
                ck_matmul_bf16_split(m, first, count, k, packed, x, ldx, weights, k, y.baseAddress!, ldy)
            }
        }
        for r in 0..<m {
            #expect(y[r * ldy + n].isNaN && y[r * ldy + n + 1].isNaN, "row \(r): padding written")
        }
        return (0..<m).flatMap { r in y[(r * ldy)..<(r * ldy + n)] }
    }

    /// x as stored, not rounded.
    func raw(_ r: Int, _ c: Int) -> Float { x[r * ldx + c] }

    /// Codes of `values` (nearest even of value · 127 / max |value|) and their scale.
    static func int8(_ values: [Float]) -> (codes: [Int], scale: Float) {
        let largest = values.map(abs).max() ?? 0
        let inverse: Float = largest > 0 ? 127 / largest : 0
        return (values.map { Int(($0 * inverse).rounded(.toNearestOrEven)) }, largest / 127)
    }

    /// The algorithm's sums, hi·w in f64, and Σ|hi·w| of each output (f32 accumulation's scale).
    func splitDefinition() -> (values: [Double], magnitudes: [Double]) {
        let quantizedWeights = (0..<n).map { o in Self.int8((0..<k).map { weight(o, $0) }) }
        var values: [Double] = [], magnitudes: [Double] = []
        for r in 0..<m {
            let hi = (0..<k).map { Self.rounded(raw(r, $0)) }
            let lo = Self.int8((0..<k).map { raw(r, $0) - hi[$0] })
            for o in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for c in 0..<k {
                    sum += Double(hi[c]) * Double(weight(o, c))
                    magnitude += abs(Double(hi[c]) * Double(weight(o, c)))
                }
                let codes = zip(lo.codes, quantizedWeights[o].codes).reduce(0) { $0 + $1.0 * $1.1 }
                values.append(sum + Double(Float(codes) * (quantizedWeights[o].scale * lo.scale)))
                magnitudes.append(magnitude)
            }
        }
        return (values, magnitudes)
    }

    /// The f64 product of x, and each output's bound on the int8 correction's error:
    /// (max |lo| · Σ|w| + max |w| · Σ|lo|) / 254 plus f32 accumulation's k · 2⁻²⁴ · Σ|x·w|.
    func exactWithBounds() -> (values: [Double], bounds: [Double], accumulation: [Double]) {
        var values: [Double] = [], bounds: [Double] = [], accumulation: [Double] = []
        for r in 0..<m {
            let lo = (0..<k).map { Double(raw(r, $0) - Self.rounded(raw(r, $0))) }
            let largestLo = lo.map(abs).max() ?? 0
            for o in 0..<n {
                let w = (0..<k).map { Double(weight(o, $0)) }
                let sum = (0..<k).reduce(0.0) { $0 + Double(raw(r, $1)) * w[$1] }
                let magnitude = (0..<k).reduce(0.0) { $0 + abs(Double(raw(r, $1)) * w[$1]) }
                let correction = (largestLo * w.map(abs).reduce(0, +) + (w.map(abs).max() ?? 0) * lo.map(abs).reduce(0, +)) / 254
                values.append(sum)
                accumulation.append(Double(k) * 0x1p-24 * magnitude)
                bounds.append(correction + accumulation.last!)
            }
        }
        return (values, bounds, accumulation)
    }
}
