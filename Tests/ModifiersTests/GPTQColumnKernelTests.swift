import CKernels
import Checkpoint
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// GPTQ's column loop on integer weights through `ck_gptq_columns`, on every path this CPU runs
/// (portable, AVX2, AVX-512), gives bit for bit what the loop gives one value at a time on
/// `IntegerFrozenQuantization.fakeQuantize`: the quantized working weight, every error and each
/// row's loss, for bf16, f16 and f32 weights, symmetric and asymmetric grids, group, channel and
/// tensor scales, permuted columns, blocks that do not fill the vector lanes and row counts that
/// leave a partial tile.
@Suite struct GPTQColumnKernelTests {
    static let paths = [CK_PORTABLE, CK_AVX2, CK_AVX512].filter { ck_path_supported($0) != 0 }
    static let rows = 75, columns = 96

    /// The same parameters seen only as `FrozenQuantization`, which the loop runs value by value.
    struct ValueByValue<Frozen: FrozenQuantization>: FrozenQuantization {
        let frozen: Frozen
        func fakeQuantize(_ x: Float, row: Int, column: Int) -> Float { frozen.fakeQuantize(x, row: row, column: column) }
        func encode(_ weight: [Float], threads: Int) throws(ModifierError) -> (outputs: [[UInt8]], dequantized: [Float]) {
            try frozen.encode(weight, threads: threads)
        }
    }

    /// The working weight, the errors of every block and the row losses after the column loop
    /// has run over every block of `width` columns (without the later columns' GEMM update, which
    /// is not the loop's).
    static func run<F: FrozenQuantization>(_ frozen: F, working initial: [Float], factor: [Float], order: [Int], width: Int,
                                           threads: Int) -> [[UInt32]] {
        var working = initial, rowLoss = [Float](repeating: 0, count: rows), errors: [Float] = []
        let loop = GPTQColumnLoop(frozen: frozen, rows: rows, columns: columns, order: order, threads: threads)
        for start in stride(from: 0, to: columns, by: width) {
            let blockWidth = Swift.min(width, columns - start)
            var blockErrors = [Float](repeating: .nan, count: rows * blockWidth)
            working.withUnsafeMutableBufferPointer { w in
                factor.withUnsafeBufferPointer { u in
                    blockErrors.withUnsafeMutableBufferPointer { e in
                        rowLoss.withUnsafeMutableBufferPointer { l in
                            loop.quantize(start: start, width: blockWidth, working: w.baseAddress!, factor: u.baseAddress!,
                                          errors: e.baseAddress!, rowLoss: l.baseAddress!)
                        }
                    }
                }
            }
            errors += blockErrors
        }
        return [working, errors, rowLoss].map { $0.map(\.bitPattern) }
    }

    func check<S: WeightStorage>(_: S.Type, _ args: QuantizationArgs, width: Int) throws {
        let rows = Self.rows, columns = Self.columns
        var random = SeededRandom(seed: 0x2545_F491_4F6C_DD1D)
        let stored = (0..<rows * columns).map { i in S.bits(i % 31 == 0 ? 0 : Float.random(in: -0.2...0.2, using: &random)) }
        // An upper factor with a positive diagonal, and a permutation of the columns.
        let factor = (0..<columns * columns).map { i -> Float in
            let (a, b) = (i / columns, i % columns)
            return a == b ? Float.random(in: 0.5...2, using: &random) : a < b ? Float.random(in: -0.3...0.3, using: &random) : 0
        }
        let order = (0..<columns).map { ($0 * 37) % columns }
        let working = (0..<rows * columns).map { S.float(stored[($0 / columns) * columns + order[$0 % columns]]) }

        let kernel = try IntegerSchemes.kernel(group: "g", weights: args, observer: .minMax)
        let tensor = TensorInfo(name: "w", dtype: S.dtype, shape: [rows, columns], dataRange: 0..<(rows * columns * MemoryLayout<S.Bits>.size))
        let frozen = try stored.withUnsafeBufferPointer { (input) throws(ModifierError) in
            try IntegerFrozenQuantization<S>(writer: IntQuantizer(grid: kernel.grid, granularity: kernel.granularity), tensor: tensor,
                                             input: input.baseAddress!, threads: 1)
        }
        let expected = Self.run(ValueByValue(frozen: frozen), working: working, factor: factor, order: order, width: width, threads: 1)
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            let actual = Self.run(frozen, working: working, factor: factor, order: order, width: width, threads: 1)
            for (name, (a, e)) in zip(["working", "errors", "row losses"], zip(actual, expected)) {
                let differing = zip(a, e).filter { $0 != $1 }.count
                #expect(differing == 0, "\(String(cString: ck_path_name(path))) \(S.dtype) width \(width): \(differing) \(name) differ")
            }
        }
        _ = ck_use_path(CK_CHOSEN)
        // Several threads, each with its own tiles of rows.
        #expect(Self.run(frozen, working: working, factor: factor, order: order, width: width, threads: 2) == expected)
    }

    static func args(bits: Int = 4, symmetric: Bool = true, strategy: QuantizationStrategy = .group, groupSize: Int = 32) -> QuantizationArgs {
        QuantizationArgs(numBits: bits, type: .int, symmetric: symmetric, strategy: strategy, groupSize: strategy == .group ? groupSize : nil,
                         observer: "memoryless_minmax", actorder: nil, zpDtype: "torch.int8")
    }

    @Test(arguments: [
        args(), args(symmetric: false, groupSize: 16), args(bits: 8, strategy: .channel), args(bits: 3, symmetric: false, strategy: .tensor),
    ], [40, 96])
    func matchesTheValueByValueLoop(_ args: QuantizationArgs, width: Int) throws {
        try check(BF16Storage.self, args, width: width)
        try check(F16Storage.self, args, width: width)
        try check(F32Storage.self, args, width: width)
    }
}
