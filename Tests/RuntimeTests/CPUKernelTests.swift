import Checkpoint
import CKernels
import Testing
import TestSupport

/// The CKernels kernels on every path this CPU runs (portable, AVX2, AVX-512), each selected on
/// the test's thread with `ck_use_path`, against an f64 reference computed here from the stored
/// values: shapes whose rows and columns are not multiples of the vector width, as many rows of x
/// as decoding (up to 8, weights decoded in registers), prefill (more, decoded tiles) and
/// calibration's batches (64 and more: packed panels, a partial one, and rows left over from
/// whole steps of 12 or 6) use,
/// strided x and y, an output range that starts inside y, scale groups and zero points.
///
/// Tolerance: every output within 1e-5 of the reference, relative to the largest output
/// magnitude (at least 1) — f32 accumulation over up to 600 terms. W8A8 is bit-exact.
@Suite struct CPUKernelTests {
    static let paths = [CK_PORTABLE, CK_AVX2, CK_AVX512].filter { ck_path_supported($0) != 0 }

    /// Rows of x, outputs, columns.
    static let shapes = [(1, 37, 133), (3, 19, 576), (4, 70, 48), (5, 33, 100), (9, 21, 260), (17, 13, 577), (77, 35, 300),
                         (70, 53, 131)]

    typealias Random = SeededRandom

    /// x `m × k` stored `k + 3` apart; weights of `rows` = n + 2 rows, of which outputs
    /// 2..<rows are computed into y (`m × rows`), the first two left NaN.
    struct Problem {
        let m: Int, n: Int, k: Int
        var x: [Float]
        var ldx: Int { k + 3 }
        var rows: Int { n + 2 }
        var ldy: Int { rows }

        init(_ shape: (Int, Int, Int), random: inout Random) {
            (m, n, k) = shape
            x = (0..<(shape.0 * (shape.2 + 3))).map { _ in Float.random(in: -1...1, using: &random) }
        }

        /// Runs `kernel(y)` (y NaN) and checks outputs 2..<rows against `weight(o, c)`, and that
        /// the first two outputs of each row are untouched.
        func check(_ label: String, weight: (Int, Int) -> Double, kernel: (UnsafeMutablePointer<Float>) -> Void) {
            var y = [Float](repeating: .nan, count: m * ldy)
            y.withUnsafeMutableBufferPointer { kernel($0.baseAddress!) }
            var reference = [Double](repeating: 0, count: m * n)
            for r in 0..<m {
                for o in 0..<n {
                    var sum = 0.0
                    for c in 0..<k { sum += Double(x[r * ldx + c]) * weight(2 + o, c) }
                    reference[r * n + o] = sum
                }
            }
            let scale = max(1, reference.map(abs).max()!)
            var worst = 0.0
            for r in 0..<m {
                for o in 0..<n { worst = max(worst, abs(Double(y[r * ldy + 2 + o]) - reference[r * n + o])) }
                #expect(y[r * ldy].isNaN && y[r * ldy + 1].isNaN, "\(label): wrote outside the output range")
            }
            #expect(worst / scale < 1e-5, "\(label) m\(m) n\(n) k\(k): max error \(worst) of \(scale)")
        }
    }

    /// Scales one per `blockRows` weight rows and `group` columns (nil: one per row), with zero points.
    struct Scales {
        let values: [Float], zeroPoints: [Float]?, blockRows: Int, group: Int, stride: Int

        init(rows: Int, columns: Int, blockRows: Int = 1, group: Int?, zeroPoints: Bool, random: inout Random) {
            self.blockRows = blockRows
            self.group = group ?? columns
            stride = (columns + self.group - 1) / self.group
            let count = (rows + blockRows - 1) / blockRows * stride
            values = (0..<count).map { _ in Float.random(in: 0.01...0.1, using: &random) }
            self.zeroPoints = zeroPoints ? (0..<count).map { _ in Float(Int.random(in: -4...4, using: &random)) } : nil
        }

        func index(_ o: Int, _ c: Int) -> Int { (o / blockRows) * stride + c / group }
        /// `(q − zero) · scale` for weight (o, c).
        func apply(_ q: Double, _ o: Int, _ c: Int) -> Double {
            (q - Double(zeroPoints?[index(o, c)] ?? 0)) * Double(values[index(o, c)])
        }

        func withKernelScales<R>(_ body: (UnsafePointer<ck_scales>) -> R) -> R {
            values.withUnsafeBufferPointer { v in
                (zeroPoints ?? []).withUnsafeBufferPointer { z in
                    var s = ck_scales(values: v.baseAddress, zero_points: zeroPoints == nil ? nil : z.baseAddress,
                                      block_rows: blockRows, group: group, stride: stride)
                    return body(&s)
                }
            }
        }
    }

    func each(_ body: (ck_path, Problem, inout Random) -> Void) {
        var random = Random()
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            for shape in Self.shapes { body(path, Problem(shape, random: &random), &random) }
        }
    }

    @Test func f32AndBF16Weights() {
        each { path, p, random in
            let w = (0..<(p.rows * p.k)).map { _ in Float.random(in: -1...1, using: &random) }
            let halves = w.map { UInt16($0.bitPattern >> 16) }
            p.check("f32 \(path)", weight: { Double(w[$0 * p.k + $1]) }) { y in
                ck_matmul_f32(p.m, 2, p.n, p.k, p.x, p.ldx, w, p.k, y, p.ldy)
            }
            p.check("bf16 \(path)", weight: { Double(Float(bitPattern: UInt32(halves[$0 * p.k + $1]) << 16)) }) { y in
                ck_matmul_bf16(p.m, 2, p.n, p.k, p.x, p.ldx, halves, p.k, y, p.ldy)
            }
        }
    }

    @Test func fp8Weights() {
        each { path, p, random in
            // Every code but the NaNs, which quantizers never write.
            let codes = (0..<(p.rows * p.k)).map { _ in UInt8.random(in: 0...0x7E, using: &random) | (Bool.random(using: &random) ? 0x80 : 0) }
            for (blockRows, group) in [(1, nil), (3, 32)] as [(Int, Int?)] {
                let scales = Scales(rows: p.rows, columns: p.k, blockRows: blockRows, group: group, zeroPoints: false, random: &random)
                p.check("fp8 \(path) block \(blockRows)×\(group ?? p.k)", weight: { scales.apply(Double(FP8E4M3.decode(codes[$0 * p.k + $1])), $0, $1) }) { y in
                    scales.withKernelScales { ck_matmul_fp8(p.m, 2, p.n, p.k, p.x, p.ldx, codes, p.k, $0, y, p.ldy) }
                }
            }
        }
    }

    @Test func int8Weights() {
        each { path, p, random in
            let bytes = (0..<(p.rows * p.k)).map { _ in UInt8.random(in: 0...255, using: &random) }
            for (flip, group, zero) in [(UInt8(0), nil, false), (0x80, 32, true), (0, 16, true)] as [(UInt8, Int?, Bool)] {
                let scales = Scales(rows: p.rows, columns: p.k, group: group, zeroPoints: zero, random: &random)
                p.check("int8 \(path) flip \(flip) group \(group ?? p.k) zero \(zero)", weight: { scales.apply(Double(Int8(bitPattern: bytes[$0 * p.k + $1] ^ flip)), $0, $1) }) { y in
                    scales.withKernelScales { ck_matmul_int8(p.m, 2, p.n, p.k, p.x, p.ldx, bytes, p.k, flip, $0, y, p.ldy) }
                }
            }
        }
    }

    @Test func packedInt4Weights() {
        each { path, p, random in
            let perRow = (p.k + 7) / 8
            let words = (0..<(p.rows * perRow)).map { _ in UInt32.random(in: 0...UInt32.max, using: &random) }
            for (group, zero) in [(nil, false), (64, false), (32, true), (128, true)] as [(Int?, Bool)] {
                let scales = Scales(rows: p.rows, columns: p.k, group: group, zeroPoints: zero, random: &random)
                let value = { (o: Int, c: Int) in scales.apply(Double(Int(words[o * perRow + c / 8] >> UInt32(4 * (c % 8)) & 15) - 8), o, c) }
                p.check("int4 \(path) group \(group ?? p.k) zero \(zero)", weight: value) { y in
                    scales.withKernelScales { ck_matmul_int4(p.m, 2, p.n, p.k, p.x, p.ldx, words, perRow, $0, y, p.ldy) }
                }
            }
        }
    }

    /// bf16 weights as decoding multiplies them: rows longer than one chunk of laid-out x (4096
    /// columns), one to six rows of x (two passes), and an odd row length (the generic GEMV).
    @Test func bf16RowsAcrossChunks() {
        var random = Random()
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            for (m, k) in [(1, 9000), (4, 4098), (6, 8192), (2, 4097)] {
                let p = Problem((m, 21, k), random: &random)
                let w = (0..<(p.rows * k)).map { _ in Float.random(in: -1...1, using: &random) }
                let halves = w.map { UInt16($0.bitPattern >> 16) }
                p.check("bf16 \(path)", weight: { Double(Float(bitPattern: UInt32(halves[$0 * k + $1]) << 16)) }) { y in
                    ck_matmul_bf16(p.m, 2, p.n, k, p.x, p.ldx, halves, k, y, p.ldy)
                }
            }
        }
    }

    /// Packed words as decoding multiplies them: rows long enough that the laid-out x of four rows
    /// takes two chunks (5000 columns) or several (14336, an 8B model's down_proj, and 17000, one
    /// scale a row), scales shared by blocks of three rows, 8-bit words read signed and offset.
    @Test func packedWordsAcrossPasses() {
        var random = Random()
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            for (m, k, group) in [(4, 5000, 64), (1, 14336, 128), (3, 17000, nil)] as [(Int, Int, Int?)] {
                let p = Problem((m, 5, k), random: &random)
                let perRow = (k + 7) / 8
                let words = (0..<(p.rows * perRow)).map { _ in UInt32.random(in: 0...UInt32.max, using: &random) }
                let scales = Scales(rows: p.rows, columns: k, blockRows: 3, group: group, zeroPoints: true, random: &random)
                let value = { (o: Int, c: Int) in scales.apply(Double(Int(words[o * perRow + c / 8] >> UInt32(4 * (c % 8)) & 15) - 8), o, c) }
                p.check("int4 \(path) k \(k)", weight: value) { y in
                    scales.withKernelScales { ck_matmul_int4(p.m, 2, p.n, k, p.x, p.ldx, words, perRow, $0, y, p.ldy) }
                }
                let bytesPerRow = (k + 3) / 4 * 4
                let bytes = (0..<(p.rows * bytesPerRow)).map { _ in UInt8.random(in: 0...255, using: &random) }
                for flip in [UInt8(0), 0x80] {
                    let byteValue = { (o: Int, c: Int) in scales.apply(Double(Int8(bitPattern: bytes[o * bytesPerRow + c] ^ flip)), o, c) }
                    p.check("int8 \(path) k \(k) flip \(flip)", weight: byteValue) { y in
                        scales.withKernelScales { ck_matmul_int8(p.m, 2, p.n, k, p.x, p.ldx, bytes, bytesPerRow, flip, $0, y, p.ldy) }
                    }
                }
            }
        }
    }

    @Test func fp4Weights() {
        each { path, p, random in
            let perRow = (p.k + 1) / 2
            let bytes = (0..<(p.rows * perRow)).map { _ in UInt8.random(in: 0...255, using: &random) }
            for group in [16, 32] {
                let scales = Scales(rows: p.rows, columns: p.k, group: group, zeroPoints: false, random: &random)
                let value = { (o: Int, c: Int) in scales.apply(Double(FP4E2M1.decode(bytes[o * perRow + c / 2] >> UInt8(4 * (c % 2)) & 15)), o, c) }
                p.check("fp4 \(path) group \(group)", weight: value) { y in
                    scales.withKernelScales { ck_matmul_fp4(p.m, 2, p.n, p.k, p.x, p.ldx, bytes, perRow, $0, y, p.ldy) }
                }
            }
        }
    }

    /// vLLM's per-token int8 quantization, plainly: scale absmax / 127, q = x · (127 / absmax)
    /// rounded half to even, clamped.
    static func quantized(_ row: ArraySlice<Float>) -> (q: [Int8], scale: Float) {
        let absmax = row.map(abs).max() ?? 0
        guard absmax > 0 else { return ([Int8](repeating: 0, count: row.count), 0) }
        let inverse = 127 / absmax
        return (row.map { Int8(min(127, max(-128, ($0 * inverse).rounded(.toNearestOrEven)))) }, absmax / 127)
    }

    @Test func w8a8IsBitExact() {
        each { path, p, random in
            var x = p.x
            if p.m > 2 {
                for c in 0..<p.k { x[p.ldx + c] = 0 }  // a row of zeros: zero scale, zero outputs
                x[2 * p.ldx] = 0.5 / (127 / x[(2 * p.ldx + 1)..<(2 * p.ldx + p.k)].map(abs).max()!)  // a tie at ±0.5
            }
            var q = [Int8](repeating: 0, count: p.m * p.ldx), xScales = [Float](repeating: .nan, count: p.m)
            ck_quantize_int8(p.m, p.k, x, p.ldx, &q, p.ldx, &xScales)
            for r in 0..<p.m {
                let expected = Self.quantized(x[(r * p.ldx)..<(r * p.ldx + p.k)])
                #expect(Array(q[(r * p.ldx)..<(r * p.ldx + p.k)]) == expected.q, "\(path) row \(r)")
                #expect(xScales[r].bitPattern == expected.scale.bitPattern, "\(path) row \(r)")
            }
            let w = (0..<(p.rows * p.k)).map { _ in Int8.random(in: -128...127, using: &random) }
            let wScales = (0..<p.rows).map { _ in Float.random(in: 0.001...0.01, using: &random) }
            var sums = [Int32](repeating: 0, count: p.rows)
            ck_int8_row_sums(p.rows, p.k, w, p.k, &sums)
            var y = [Float](repeating: .nan, count: p.m * p.ldy)
            ck_matmul_w8a8(p.m, 2, p.n, p.k, q, p.ldx, xScales, w, p.k, sums, wScales, &y, p.ldy)
            for r in 0..<p.m {
                #expect(y[r * p.ldy].isNaN && y[r * p.ldy + 1].isNaN, "\(path): wrote outside the output range")
                for o in 2..<p.rows {
                    var dot: Int32 = 0
                    for c in 0..<p.k { dot += Int32(q[r * p.ldx + c]) * Int32(w[o * p.k + c]) }
                    let expected = Float(dot) * xScales[r] * wScales[o]
                    #expect(y[r * p.ldy + o].bitPattern == expected.bitPattern, "\(path) m\(p.m) n\(p.n) k\(p.k) (\(r), \(o))")
                }
            }
        }
    }

    @Test func groupsTheKernelsTake() {
        func takes(group: Int, columns: Int, zeroPoints: Bool = false) -> Bool {
            let values = [Float](repeating: 1, count: 4096)
            return values.withUnsafeBufferPointer { v in
                var s = ck_scales(values: v.baseAddress, zero_points: zeroPoints ? v.baseAddress : nil, block_rows: 1,
                                  group: group, stride: (columns + group - 1) / group)
                return ck_int4_takes(&s, columns) != 0
            }
        }
        #expect(takes(group: 64, columns: 576))
        #expect(takes(group: 48, columns: 576))
        #expect(takes(group: 1000, columns: 576))
        #expect(!takes(group: 8, columns: 576))
        #expect(!takes(group: 100, columns: 576))
        #expect(takes(group: 16, columns: 16384, zeroPoints: true))
        #expect(!takes(group: 16, columns: 16400, zeroPoints: true))
    }
}
