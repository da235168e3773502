import CKernels
import Checkpoint
@testable import Modifiers
import Testing
import TestSupport

/// `ck_mse_errors`, on every path this CPU runs (portable, AVX2, AVX-512), gives bit for bit the
/// candidate errors of the MSE observers' own definitions (`CandidateGrid`'s candidate and round
/// trip, `ErrorPower`, the sum in order) for bf16 and f16 groups: every grid, group counts that do
/// not fill the vector lanes, group sizes that are not multiples of them, zeros, all-zero groups
/// (eps scales) and magnitudes far from 1 (where the bf16 path divides instead of multiplying by
/// the reciprocal of the scale); and `ck_mse_improvements` the steps at which those errors,
/// rounded to the dtype, improve each group's best.
@Suite struct MSEKernelTests {
    static let paths = [CK_PORTABLE, CK_AVX2, CK_AVX512].filter { ck_path_supported($0) != 0 }

    /// Values of `groups` groups of `size`: mostly uniform in ±magnitude, the first group all
    /// zeros, some zeros, and in group 2 values 2^-90 apart from the rest.
    static func values<S: WeightStorage>(_: S.Type, groups: Int, size: Int, magnitude: Float) -> [S.Bits] {
        var random = SeededRandom(seed: 0x2545_F491_4F6C_DD1D)
        return (0..<groups * size).map { i in
            if i < size || i % 29 == 0 { return S.bits(0) }
            if i / size == 2 && i % 3 == 0 { return S.bits(Float.random(in: -1...1, using: &random) * 0x1p-90) }
            return S.bits(Float.random(in: -magnitude...magnitude, using: &random))
        }
    }

    /// Whether some group improved after its first step (so that the improvements compared are
    /// more than the first step's).
    @discardableResult
    func check<S: WeightStorage, G: CandidateGrid>(_: S.Type, _ grid: G, _ search: MSESearch, size: Int, magnitude: Float) -> Bool {
        let groups = 21
        let values = Self.values(S.self, groups: groups, size: size, magnitude: magnitude)
        let power = ErrorPower<S>(norm: search.norm)
        let candidates = CandidateErrors(search: search, grid: grid, power: power)
        let floats = values.map(S.float)
        let lo = (0..<groups).map { g in S.rounded(floats[g * size..<(g + 1) * size].min()! * Float(search.expand)) }
        let hi = (0..<groups).map { g in S.rounded(floats[g * size..<(g + 1) * size].max()! * Float(search.expand)) }
        var expected = [Float]()
        for g in 0..<groups {
            for i in 0..<search.steps {
                let p = search.factor(i)
                let (scale, zeroPoint) = grid.candidate(S.self, lo: S.rounded(lo[g] * p), hi: S.rounded(hi[g] * p))
                var sum: Float = 0
                for x in floats[g * size..<(g + 1) * size] {
                    sum += power.of(S.rounded(grid.roundTrip(S.self, x, scale: scale, zeroPoint: zeroPoint) - x))
                }
                expected.append(sum)
            }
        }
        let words = (search.steps + 63) / 64
        var expectedImprovements = [UInt64](repeating: 0, count: groups * words)
        for g in 0..<groups {
            var best = S.greatestFiniteMagnitude
            for i in 0..<search.steps where S.rounded(expected[g * search.steps + i]) < best {
                best = S.rounded(expected[g * search.steps + i])
                expectedImprovements[g * words + i / 64] |= 1 << UInt64(i % 64)
            }
        }
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            var errors = [Float](repeating: .nan, count: groups * search.steps)
            var scratch = [Float](repeating: 0, count: candidates.scratchCount(groupSize: size))
            values.withUnsafeBufferPointer { v in
                errors.withUnsafeMutableBufferPointer { e in
                    scratch.withUnsafeMutableBufferPointer { s in
                        candidates.errors(v.baseAddress!, groups: groups, size: size, lo: lo, hi: hi, steps: 0..<search.steps,
                                          scratch: s.baseAddress!, into: e.baseAddress!)
                    }
                }
            }
            let differing = zip(errors, expected).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(String(cString: ck_path_name(path))) \(S.dtype) \(G.self) size \(size): \(differing) errors differ")
            var improvements = [UInt64](repeating: .max, count: groups * words)
            values.withUnsafeBufferPointer { v in
                errors.withUnsafeMutableBufferPointer { e in
                    scratch.withUnsafeMutableBufferPointer { s in
                        improvements.withUnsafeMutableBufferPointer { bits in
                            candidates.improvements(v.baseAddress!, groups: groups, size: size, lo: lo, hi: hi, scratch: s.baseAddress!,
                                                    errors: e.baseAddress!, into: bits.baseAddress!)
                        }
                    }
                }
            }
            #expect(improvements == expectedImprovements, "\(String(cString: ck_path_name(path))) \(S.dtype) \(G.self) size \(size)")
        }
        _ = ck_use_path(CK_CHOSEN)
        return expectedImprovements.contains { $0.nonzeroBitCount > 1 }
    }

    func checkGrids<S: WeightStorage>(_: S.Type, size: Int) {
        for symmetric in [true, false] {
            check(S.self, IntegerGrid(bits: 4, symmetric: symmetric), .standard, size: size, magnitude: 0.05)
            check(S.self, IntegerGrid(bits: 8, symmetric: symmetric), .standard, size: size, magnitude: 3)
        }
        check(S.self, FloatCandidateGrid(element: .fp8), .standard, size: size, magnitude: 0.05)
        check(S.self, FloatCandidateGrid(element: .fp4), .standard, size: size, magnitude: 0.05)
        #expect(check(S.self, FloatCandidateGrid(element: .fp4), .nvfp4Expanded, size: size, magnitude: 200))
    }

    @Test(arguments: [16, 33, 128])
    func bf16MatchesTheObserverDefinitions(size: Int) { checkGrids(BF16Storage.self, size: size) }

    @Test(arguments: [16, 33, 128])
    func f16MatchesTheObserverDefinitions(size: Int) { checkGrids(F16Storage.self, size: size) }

    /// One range for the whole tensor: each step's error is the sum, in row order, of every row's
    /// error, and the search stops once `patience` steps in a row improved nothing — here inside a
    /// batch of steps the kernel scored together, with rows split over threads.
    @Test(arguments: [1, 3])
    func aWholeTensorSearchStopsWhereItsPatienceRunsOut(threads: Int) throws {
        typealias S = BF16Storage
        let rows = 37, columns = 48, grid = IntegerGrid(bits: 4, symmetric: false)
        var search = MSESearch.standard
        search.patience = 3
        let values = Self.values(S.self, groups: rows, size: columns, magnitude: 0.05)
        let floats = values.map(S.float)
        let (lo, hi) = (min(floats.min()!, 0), max(floats.max()!, 0))
        let power = ErrorPower<S>(norm: search.norm)
        var best = S.greatestFiniteMagnitude, bestStep = -1, quiet = 0.0, stoppedAt = search.steps
        for i in 0..<search.steps {
            let p = search.factor(i)
            let (scale, zeroPoint) = grid.candidate(S.self, lo: S.rounded(lo * p), hi: S.rounded(hi * p))
            var total: Float = 0
            for r in 0..<rows {
                var sum: Float = 0
                for x in floats[r * columns..<(r + 1) * columns] {
                    sum += power.of(S.rounded(grid.roundTrip(S.self, x, scale: scale, zeroPoint: zeroPoint) - x))
                }
                total += sum
            }
            if S.rounded(total) < best {
                (best, bestStep, quiet) = (S.rounded(total), i, 0)
            } else {
                quiet += 1
                if quiet >= search.patience {
                    stoppedAt = i
                    break
                }
            }
        }
        let weight = TensorInfo(name: "w", dtype: .bf16, shape: [rows, columns], dataRange: 0..<(rows * columns * 2))
        let ranges = try values.withUnsafeBufferPointer { v in
            try search.ranges(S.self, grid: grid, weight: weight, input: v.baseAddress!, groupSize: nil, threads: threads, allowNonFinite: false)
        }
        #expect(bestStep > 0 && stoppedAt < search.steps - 1 && stoppedAt % 8 != 7, "stopped at \(stoppedAt)")
        #expect(ranges.minimum == [S.rounded(lo * search.factor(bestStep))])
        #expect(ranges.maximum == [S.rounded(hi * search.factor(bestStep))])
    }
}
