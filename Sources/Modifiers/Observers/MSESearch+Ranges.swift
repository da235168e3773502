import Checkpoint
import Foundation

/// The ranges an MSE search chose for a weight: one `[minimum, maximum]` per scale, row-major
/// (values of the weight's dtype, exactly held as Floats).
struct SearchedRanges {
    var minimum: [Float]
    var maximum: [Float]

    /// The largest magnitude of range `i`, from which symmetric scales are computed.
    func absmax(_ i: Int) -> Float { Swift.max(-Swift.min(minimum[i], 0), Swift.max(maximum[i], 0)) }
}

extension MSESearch {
    /// Searches the range of every group of `groupSize` consecutive values of each row of
    /// `weight` (nil: one range for the whole tensor) on `grid`, splitting rows over threads.
    /// - Throws: `nonFinite` for a row holding NaN or Inf (`unquantizableWeight` when non-finite
    ///   weights are allowed: the search has no meaning on them).
    func ranges<S: WeightStorage, G: CandidateGrid>(_: S.Type, grid: G, weight: TensorInfo, input: UnsafePointer<S.Bits>,
                                                   groupSize: Int?, threads: Int, allowNonFinite: Bool) throws(ModifierError) -> SearchedRanges {
        let rows = weight.shape[0], columns = weight.shape[1]
        try requireFinite(S.self, weight: weight, input: input, threads: threads, allowNonFinite: allowNonFinite)
        let power = ErrorPower<S>(norm: norm)
        guard let groupSize else {
            return wholeTensor(S.self, grid: grid, input: input, rows: rows, columns: columns, threads: threads, power: power)
        }
        let groups = rows * (columns / groupSize), perRow = columns / groupSize
        let words = Swift.max(1, (steps + 63) / 64)
        var base = (minimum: [Float](repeating: 0, count: groups), maximum: [Float](repeating: 0, count: groups))
        var improvements = [UInt64](repeating: 0, count: groups * words)
        base.minimum.withUnsafeMutableBufferPointer { lows in
            base.maximum.withUnsafeMutableBufferPointer { highs in
                improvements.withUnsafeMutableBufferPointer { bits in
                    parallelRows(rows, threads: threads) { range in
                        for r in range {
                            for g in 0..<perRow {
                                let index = r * perRow + g
                                let values = input + r * columns + g * groupSize
                                let (lo, hi) = expandedRange(S.self, values, count: groupSize)
                                lows[index] = lo
                                highs[index] = hi
                                var best = S.greatestFiniteMagnitude
                                for i in 0..<steps {
                                    let error = candidateError(S.self, grid: grid, values, count: groupSize, lo: lo, hi: hi,
                                                               step: i, power: power)
                                    if error < best {
                                        best = error
                                        bits[index * words + i / 64] |= 1 << UInt64(i % 64)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var union = [UInt64](repeating: 0, count: words)
        for index in 0..<groups { for w in 0..<words { union[w] |= improvements[index * words + w] } }
        let last = lastStep { union[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
        for index in 0..<groups {
            // The group's best is its last improvement up to the last step searched.
            var step = last
            while step >= 0, improvements[index * words + step / 64] & (1 << UInt64(step % 64)) == 0 { step -= 1 }
            if step >= 0 {
                base.minimum[index] = S.rounded(base.minimum[index] * factor(step))
                base.maximum[index] = S.rounded(base.maximum[index] * factor(step))
            }
        }
        return SearchedRanges(minimum: base.minimum, maximum: base.maximum)
    }

    /// One range for the whole tensor: each step's error summed over rows split over threads.
    private func wholeTensor<S: WeightStorage, G: CandidateGrid>(_: S.Type, grid: G, input: UnsafePointer<S.Bits>, rows: Int, columns: Int,
                                                                threads: Int, power: ErrorPower<S>) -> SearchedRanges {
        let (lo, hi) = expandedRange(S.self, input, count: rows * columns)
        let partial = UnsafeMutableBufferPointer<Float>.allocate(capacity: rows)
        defer { partial.deallocate() }
        var best = S.greatestFiniteMagnitude
        var bestStep = -1
        var quiet = 0.0
        for i in 0..<steps {
            let (slo, shi) = (S.rounded(lo * factor(i)), S.rounded(hi * factor(i)))
            let (scale, zeroPoint) = grid.candidate(S.self, lo: slo, hi: shi)
            parallelRows(rows, threads: threads) { range in
                for r in range {
                    partial[r] = rawError(S.self, grid: grid, input + r * columns, count: columns, scale: scale, zeroPoint: zeroPoint, power: power)
                }
            }
            let error = S.rounded(partial.reduce(0, +))
            if error < best {
                best = error
                bestStep = i
                quiet = 0
            } else {
                quiet += 1
                if quiet >= patience { break }
            }
        }
        guard bestStep >= 0 else { return SearchedRanges(minimum: [lo], maximum: [hi]) }
        return SearchedRanges(minimum: [S.rounded(lo * factor(bestStep))], maximum: [S.rounded(hi * factor(bestStep))])
    }

    /// The smallest and largest of `count` values, each times `expand` in the dtype.
    @inline(__always)
    private func expandedRange<S: WeightStorage>(_: S.Type, _ values: UnsafePointer<S.Bits>, count: Int) -> (Float, Float) {
        var lo = Float.infinity, hi = -Float.infinity
        for c in 0..<count {
            let x = S.float(values[c])
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
        }
        if expand == 1 { return (lo, hi) }
        let e = Float(expand)
        return (S.rounded(lo * e), S.rounded(hi * e))
    }

    /// The error (rounded to the dtype) of step `i`'s candidate on `count` values.
    @inline(__always)
    private func candidateError<S: WeightStorage, G: CandidateGrid>(_: S.Type, grid: G, _ values: UnsafePointer<S.Bits>, count: Int,
                                                                   lo: Float, hi: Float, step: Int, power: ErrorPower<S>) -> Float {
        let p = factor(step)
        let (scale, zeroPoint) = grid.candidate(S.self, lo: S.rounded(lo * p), hi: S.rounded(hi * p))
        return S.rounded(rawError(S.self, grid: grid, values, count: count, scale: scale, zeroPoint: zeroPoint, power: power))
    }

    /// `Σ |q(x) - x|^norm` over `count` values as torch sums a dtype tensor: each term rounded to
    /// the dtype, the sum in float32.
    @inline(__always)
    private func rawError<S: WeightStorage, G: CandidateGrid>(_: S.Type, grid: G, _ values: UnsafePointer<S.Bits>, count: Int,
                                                             scale: Float, zeroPoint: Float, power: ErrorPower<S>) -> Float {
        var sum: Float = 0
        for c in 0..<count {
            let x = S.float(values[c])
            sum += power.of(S.rounded(grid.roundTrip(S.self, x, scale: scale, zeroPoint: zeroPoint) - x))
        }
        return sum
    }

    private func requireFinite<S: WeightStorage>(_: S.Type, weight: TensorInfo, input: UnsafePointer<S.Bits>, threads: Int,
                                                 allowNonFinite: Bool) throws(ModifierError) {
        let rowMax = UnsafeMutableBufferPointer<S.Bits>.allocate(capacity: weight.shape[0])
        defer { rowMax.deallocate() }
        do {
            try WeightAbsmax.rowMaxima(S.self, weight, input, threads: threads, allowNonFinite: false, into: rowMax)
        } catch {
            guard allowNonFinite else { throw error }
            throw .unquantizableWeight(tensor: weight.name, reason: "it holds NaN or Inf, over which the MSE observer cannot search; use memoryless_minmax")
        }
    }
}

/// `|d|^norm` rounded to the dtype, as torch's `pow` with a scalar exponent computes it on a
/// tensor of the dtype: the exponent rounded to the dtype first, the power in float, the result
/// rounded. For 16-bit dtypes every magnitude is looked up in a table built once per search.
final class ErrorPower<S: WeightStorage>: @unchecked Sendable {
    private let table: UnsafeMutableBufferPointer<Float>
    private let exponent: Double

    init(norm: Double) {
        exponent = Double(S.rounded(Float(norm)))
        table = .allocate(capacity: S.Bits.bitWidth == 16 ? 0x8000 : 0)
        for bits in table.indices { table[bits] = S.rounded(Float(pow(Double(S.float(S.Bits(bits))), exponent))) }
    }

    deinit { table.deallocate() }

    @inline(__always)
    func of(_ difference: Float) -> Float {
        if S.Bits.bitWidth == 16 { return table[Int(S.bits(difference) & S.magnitudeMask)] }
        return Float(pow(Double(Swift.abs(difference)), exponent))
    }
}
