import CKernels
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
    /// An imatrix search (`weighted`, by groups only) weighs each input channel's errors by
    /// `importance` (one value per column; nil or another count: unweighted).
    /// - Throws: `nonFinite` for a row holding NaN or Inf (`unquantizableWeight` when non-finite
    ///   weights are allowed: the search has no meaning on them).
    func ranges<S: WeightStorage, G: CandidateGrid>(_: S.Type, grid: G, weight: TensorInfo, input: UnsafePointer<S.Bits>,
                                                   groupSize: Int?, threads: Int, allowNonFinite: Bool,
                                                   importance: [Float]? = nil) throws(ModifierError) -> SearchedRanges {
        let rows = weight.shape[0], columns = weight.shape[1]
        try requireFinite(S.self, weight: weight, input: input, threads: threads, allowNonFinite: allowNonFinite)
        let candidates = CandidateErrors(search: self, grid: grid, power: ErrorPower<S>(norm: norm))
        guard let groupSize else {
            return wholeTensor(S.self, candidates, input: input, rows: rows, columns: columns, threads: threads)
        }
        let groups = rows * (columns / groupSize), perRow = columns / groupSize
        let words = Swift.max(1, (steps + 63) / 64)
        var base = (minimum: [Float](repeating: 0, count: groups), maximum: [Float](repeating: 0, count: groups))
        var improvements = [UInt64](repeating: 0, count: groups * words)
        // One importance per input channel, else none (llm-compressor's fallback on a size mismatch).
        let usable = weighted ? importance.flatMap { $0.count == columns ? $0 : nil } : nil
        let weights = usable.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: $0.count) }
        defer { weights?.deallocate() }
        if let weights, let usable { _ = weights.initialize(from: usable) }
        base.minimum.withUnsafeMutableBufferPointer { lows in
            base.maximum.withUnsafeMutableBufferPointer { highs in
                improvements.withUnsafeMutableBufferPointer { bits in
                    parallelRows(rows, threads: threads) { range in
                        let batch = 256
                        let scratchCount = weighted ? groupSize : candidates.scratchCount(groupSize: groupSize)
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
                        let errors = UnsafeMutablePointer<Float>.allocate(capacity: batch * steps)
                        defer { scratch.deallocate(); errors.deallocate() }
                        var first = range.lowerBound * perRow
                        while first < range.upperBound * perRow {
                            let count = Swift.min(batch, range.upperBound * perRow - first)
                            for index in first..<first + count {
                                (lows[index], highs[index]) = expandedRange(S.self, input + index * groupSize, count: groupSize)
                            }
                            if weighted {
                                candidates.weightedErrors(input + first * groupSize, groups: count, size: groupSize, lo: lows.baseAddress! + first,
                                                          hi: highs.baseAddress! + first, steps: 0..<steps, importance: weights.map { UnsafePointer($0.baseAddress!) },
                                                          firstGroup: first, groupsPerRow: perRow, terms: scratch, into: errors)
                                for k in 0..<count {
                                    markImprovements(S.self, errors + k * steps, into: bits.baseAddress! + (first + k) * words)
                                }
                            } else {
                                candidates.improvements(input + first * groupSize, groups: count, size: groupSize, lo: lows.baseAddress! + first,
                                                        hi: highs.baseAddress! + first, scratch: scratch, errors: errors,
                                                        into: bits.baseAddress! + first * words)
                            }
                            first += count
                        }
                    }
                }
            }
        }
        var union = [UInt64](repeating: 0, count: words)
        for index in 0..<groups { for w in 0..<words { union[w] |= improvements[index * words + w] } }
        let last = lastStep { union[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
        improvements.withUnsafeBufferPointer { bits in
            for index in 0..<groups {
                // The group's best is its last improvement up to the last step searched.
                if let step = Self.lastImprovement(bits.baseAddress! + index * words, upTo: last) {
                    base.minimum[index] = S.rounded(base.minimum[index] * candidates.factors[step])
                    base.maximum[index] = S.rounded(base.maximum[index] * candidates.factors[step])
                }
            }
        }
        return SearchedRanges(minimum: base.minimum, maximum: base.maximum)
    }

    /// Sets bit `i` of `bits` (`⌈steps / 64⌉` words, each written) when step `i`'s error at
    /// `errors` is below every earlier step's (the first step's below the largest finite value):
    /// float32 errors for the imatrix search, errors rounded to the dtype for the others.
    @inline(__always)
    func markImprovements<S: WeightStorage>(_: S.Type, _ errors: UnsafePointer<Float>, into bits: UnsafeMutablePointer<UInt64>) {
        var best = weighted ? Float.greatestFiniteMagnitude : S.greatestFiniteMagnitude
        var word: UInt64 = 0
        for i in 0..<steps {
            let error = weighted ? errors[i] : S.rounded(errors[i])
            let improved = error < best
            best = improved ? error : best
            word |= UInt64(improved ? 1 : 0) << UInt64(i % 64)
            if i % 64 == 63 || i == steps - 1 {
                bits[i / 64] = word
                word = 0
            }
        }
    }

    /// The last step up to `last` whose bit is set in `bits`, or nil.
    private static func lastImprovement(_ bits: UnsafePointer<UInt64>, upTo last: Int) -> Int? {
        var word = last / 64
        var mask = UInt64.max >> UInt64(63 - last % 64)
        while word >= 0 {
            let set = bits[word] & mask
            if set != 0 { return word * 64 + 63 - set.leadingZeroBitCount }
            word -= 1
            mask = .max
        }
        return nil
    }

    /// One range for the whole tensor: each step's error summed over the rows' errors in order,
    /// rows split over threads, a few steps at a time so that the search stops near where its
    /// patience runs out.
    private func wholeTensor<S: WeightStorage, G: CandidateGrid>(_: S.Type, _ candidates: CandidateErrors<S, G>, input: UnsafePointer<S.Bits>,
                                                                rows: Int, columns: Int, threads: Int) -> SearchedRanges {
        let (lo, hi) = expandedRange(S.self, input, count: rows * columns)
        let stepsAtOnce = 8
        let lows = UnsafeMutablePointer<Float>.allocate(capacity: rows), highs = UnsafeMutablePointer<Float>.allocate(capacity: rows)
        lows.initialize(repeating: lo, count: rows)
        highs.initialize(repeating: hi, count: rows)
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: rows * stepsAtOnce)
        defer { partial.deallocate(); lows.deallocate(); highs.deallocate() }
        var best = S.greatestFiniteMagnitude
        var bestStep = -1
        var quiet = 0.0
        var first = 0
        search: while first < steps {
            let count = Swift.min(stepsAtOnce, steps - first)
            parallelRows(rows, threads: threads) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: candidates.scratchCount(groupSize: columns))
                defer { scratch.deallocate() }
                candidates.errors(input + range.lowerBound * columns, groups: range.count, size: columns, lo: lows + range.lowerBound,
                                  hi: highs + range.lowerBound, steps: first..<first + count, scratch: scratch,
                                  into: partial + range.lowerBound * count)
            }
            for k in 0..<count {
                var sum: Float = 0
                for r in 0..<rows { sum += partial[r * count + k] }
                let error = S.rounded(sum)
                if error < best {
                    best = error
                    bestStep = first + k
                    quiet = 0
                } else {
                    quiet += 1
                    if quiet >= patience { break search }
                }
            }
            first += count
        }
        guard bestStep >= 0 else { return SearchedRanges(minimum: [lo], maximum: [hi]) }
        return SearchedRanges(minimum: [S.rounded(lo * factor(bestStep))], maximum: [S.rounded(hi * factor(bestStep))])
    }

    /// The smallest and largest of `count` values and 0, each times `expand` in the dtype. Taking
    /// 0 in changes no candidate (each takes its range's minimum with 0 and maximum with 0, and a
    /// zero times the factor stays 0) and lets the loop run on integer keys, which vectorizes.
    @inline(__always)
    private func expandedRange<S: WeightStorage>(_: S.Type, _ values: UnsafePointer<S.Bits>, count: Int) -> (Float, Float) {
        var statistics = GroupStatistics<S>()
        statistics.add(values, count: count)
        let (lo, hi) = (statistics.minimum, statistics.maximum)
        if expand == 1 { return (lo, hi) }
        let e = Float(expand)
        return (S.rounded(lo * e), S.rounded(hi * e))
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
/// rounded. For 16-bit dtypes every magnitude is looked up in a table built once per search; for
/// bf16 the table is also cut into the parts the AVX-512 kernel computes it from in registers
/// (`ck_mse_power_parts`, checked against the table), where the exponent allows.
final class ErrorPower<S: WeightStorage>: @unchecked Sendable {
    private let table: UnsafeMutableBufferPointer<Float>
    private let exponent: Double
    private let tableParts: UnsafeMutablePointer<ck_mse_power_parts>?

    init(norm: Double) {
        exponent = Double(S.rounded(Float(norm)))
        table = .allocate(capacity: S.Bits.bitWidth == 16 ? 0x8000 : 0)
        for bits in table.indices { table[bits] = S.rounded(Float(pow(Double(S.float(S.Bits(bits))), exponent))) }
        guard S.kernelDType == CK_MSE_BF16 else { tableParts = nil; return }
        let parts = UnsafeMutablePointer<ck_mse_power_parts>.allocate(capacity: 1)
        if ck_mse_power_parts_make(exponent, table.baseAddress, parts) != 0 {
            tableParts = parts
        } else {
            parts.deallocate()
            tableParts = nil
        }
    }

    deinit {
        table.deallocate()
        tableParts?.deallocate()
    }

    /// The table of a 16-bit dtype (by magnitude bits), for the kernel; nil for f32.
    var lookup: UnsafePointer<Float>? { UnsafePointer(table.baseAddress) }

    /// The bf16 table in parts for the kernel's registers; nil for other dtypes and exponents.
    var parts: UnsafePointer<ck_mse_power_parts>? { tableParts.map { UnsafePointer($0) } }

    @inline(__always)
    func of(_ difference: Float) -> Float {
        if S.Bits.bitWidth == 16 { return table[Int(S.bits(difference) & S.magnitudeMask)] }
        return Float(pow(Double(Swift.abs(difference)), exponent))
    }
}
