import CKernels
import Testing
import TestSupport

/// `ck_matmul_bf16_inputs` (x rounded to bf16 times bf16 weights, summed in f32) on every path this
/// CPU runs: portable, AVX2, AVX-512 emulating vdpbf16ps with FMAs, and AVX-512 running it when the
/// CPU has AVX512_BF16. Each must give, bit for bit, the sums of a scalar reference written here in
/// vdpbf16ps's order (from zero, each pair of columns' odd product then its even one, one rounding
/// each), and be within f32 accumulation's error of the f64 product of the rounded values. Shapes:
/// odd k, k not a multiple of any lane count, one output to several panels, rows of x below and
/// above the panels' 64 and past one block of rounded rows, strided x and y, and output ranges cut
/// as the compute threads cut them.
@Suite struct BF16InputKernelTests {
    /// A path, and whether vdpbf16ps runs on it.
    struct Variant: CustomStringConvertible {
        let path: ck_path
        let instructions: Bool
        var description: String { "\(String(cString: ck_path_name(path)))\(instructions ? "+bf16" : "")" }
    }

    static let variants: [Variant] = {
        var variants = [CK_PORTABLE, CK_AVX2, CK_AVX512].filter { ck_path_supported($0) != 0 }.map { Variant(path: $0, instructions: false) }
        if ck_path_supported(CK_AVX512) != 0, ck_use_bf16_instructions(1) != 0 { variants.append(Variant(path: CK_AVX512, instructions: true)) }
        return variants
    }()

    /// Rows of x, outputs, columns; the last one's rows fill more than one block of rounded rows (4 MiB).
    static let shapes = [(1, 1, 1), (3, 5, 7), (7, 50, 33), (63, 17, 64), (64, 48, 65), (70, 97, 131), (130, 200, 300), (9, 16, 2049),
                         (1030, 3, 2049)]

    /// x `m × k` stored `k + 3` apart (with values halfway between two bf16 values, to round to
    /// even), bf16 weights `n × k`, y `m × n` stored `n + 2` apart.
    struct Operands {
        let m: Int, n: Int, k: Int
        var x: [Float]
        let weights: [UInt16]
        var ldx: Int { k + 3 }
        var ldy: Int { n + 2 }

        init(_ shape: (Int, Int, Int), random: inout SeededRandom) {
            (m, n, k) = shape
            x = (0..<(m * (k + 3))).map { i in
                let v = Float.random(in: -4...4, using: &random)
                // Every seventh value a tie: a bf16 value plus half its last place.
                return i % 7 == 0 ? Float(bitPattern: v.bitPattern & 0xFFFF_0000 | 0x8000) : v
            }
            weights = (0..<(n * k)).map { _ in UInt16(Float.random(in: -1...1, using: &random).bitPattern >> 16) }
        }

        /// y from `ck_matmul_bf16_inputs` called on the output ranges starting at `cuts`; the
        /// padding of y must stay NaN.
        func product(cuts: [Int] = [0]) -> [UInt32] {
            var y = [Float](repeating: .nan, count: m * ldy)
            y.withUnsafeMutableBufferPointer { y in
                for (i, first) in cuts.enumerated() {
                    let count = (i + 1 < cuts.count ? cuts[i + 1] : n) - first
                    ck_matmul_bf16_inputs(m, first, count, k, x, ldx, weights, k, y.baseAddress!, ldy)
                }
            }
            for r in 0..<m {
                let untouched = y[r * ldy + n].isNaN && y[r * ldy + n + 1].isNaN
                #expect(untouched, "row \(r): padding written")
            }
            return (0..<m).flatMap { r in y[(r * ldy)..<(r * ldy + n)].map(\.bitPattern) }
        }

        static func rounded(_ v: Float) -> Float {
            let u = v.bitPattern
            return Float(bitPattern: (u &+ 0x7FFF &+ ((u >> 16) & 1)) & 0xFFFF_0000)
        }

        func weight(_ o: Int, _ c: Int) -> Float { c < k ? Float(bitPattern: UInt32(weights[o * k + c]) << 16) : 0 }
        func input(_ r: Int, _ c: Int) -> Float { c < k ? Self.rounded(x[r * ldx + c]) : 0 }

        /// vdpbf16ps's order: for each pair (2p, 2p + 1), column k counted as zero, the odd
        /// column's product added, then the even one's, each an FMA.
        func inPairOrder() -> [UInt32] {
            var y: [UInt32] = []
            for r in 0..<m {
                for o in 0..<n {
                    var sum: Float = 0
                    for c in stride(from: 0, to: k, by: 2) {
                        sum = sum.addingProduct(input(r, c + 1), weight(o, c + 1))
                        sum = sum.addingProduct(input(r, c), weight(o, c))
                    }
                    y.append(sum.bitPattern)
                }
            }
            return y
        }

        /// The f64 product of the rounded values, and Σ|x·w| of each output (the error's scale).
        func exact() -> (values: [Double], magnitudes: [Double]) {
            var values: [Double] = [], magnitudes: [Double] = []
            for r in 0..<m {
                for o in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for c in 0..<k {
                        let p = Double(input(r, c)) * Double(weight(o, c))
                        sum += p
                        magnitude += abs(p)
                    }
                    values.append(sum)
                    magnitudes.append(magnitude)
                }
            }
            return (values, magnitudes)
        }
    }

    func each(_ body: (Variant) -> Void) {
        for variant in Self.variants {
            #expect(ck_use_path(variant.path) == 1)
            #expect(ck_use_bf16_instructions(variant.instructions ? 1 : 0) == 1)
            #expect(ck_bf16_instructions() == (variant.instructions ? 1 : 0))
            body(variant)
            ck_use_path(CK_CHOSEN)
            ck_use_bf16_instructions(1)
        }
    }

    @Test func everyPathSumsInThePairOrder() {
        var random = SeededRandom()
        let operands = Self.shapes.map { Operands($0, random: &random) }
        each { variant in
            for p in operands {
                let y = p.product(), expected = p.inPairOrder()
                let differing = zip(y, expected).filter { $0 != $1 }.count
                #expect(differing == 0, "\(variant) m\(p.m) n\(p.n) k\(p.k): \(differing) of \(y.count) outputs differ")
            }
        }
    }

    /// Each output within k·2^-24 of Σ|x·w| of the f64 product: f32 accumulation's bound.
    @Test func everyPathIsNearTheExactProduct() {
        var random = SeededRandom(seed: 7)
        let operands = Self.shapes.map { Operands($0, random: &random) }
        each { variant in
            for p in operands {
                let y = p.product().map { Double(Float(bitPattern: $0)) }
                let (exact, magnitudes) = p.exact()
                let worst = zip(zip(y, exact), magnitudes).map { abs($0.0 - $0.1) / max($1, .leastNormalMagnitude) }.max() ?? 0
                #expect(worst <= Double(p.k) * 0x1p-24, "\(variant) m\(p.m) n\(p.n) k\(p.k): relative error \(worst)")
            }
        }
    }

    /// Outputs split as the compute threads split them (multiples of 16) and unevenly.
    @Test func outputRangesDoNotChangeTheSums() {
        var random = SeededRandom(seed: 11)
        each { variant in
            for m in [1, 5, 70] {
                let p = Operands((m, 83, 131), random: &random)
                let whole = p.product()
                for cuts in [[0, 16], [0, 32, 64], [0, 5, 37, 38]] {
                    #expect(p.product(cuts: cuts) == whole, "\(variant) m\(m) cuts \(cuts)")
                }
            }
        }
    }

    /// Turning the instructions on where the CPU lacks them is refused.
    @Test func instructionsOnlyWhereTheCPUHasThem() {
        let has = Self.variants.contains { $0.instructions }
        #expect(ck_use_bf16_instructions(1) == (has ? 1 : 0))
        #expect(ck_use_bf16_instructions(0) == 1)
        #expect(ck_bf16_instructions() == 0)
        ck_use_bf16_instructions(1)
    }
}
