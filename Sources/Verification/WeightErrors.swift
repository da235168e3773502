import Checkpoint
import CompressedTensors
import Foundation

/// How far a dequantized weight lies from the original: sums of squares and the largest
/// absolute difference, accumulated a block of rows at a time.
struct WeightErrors {
    var squaredError: Double = 0
    var squaredOriginal: Double = 0
    var maxAbsError: Double = 0
    /// Dequantized values that are NaN or infinite.
    var nonFinite = 0

    /// `‖W − Ŵ‖ / ‖W‖`; 0 when both are zero, infinite for a nonzero error on an all-zero original.
    var relativeRMSError: Double {
        squaredOriginal > 0 ? (squaredError / squaredOriginal).squareRoot() : (squaredError == 0 ? 0 : .infinity)
    }

    mutating func merge(_ other: WeightErrors) {
        squaredError += other.squaredError
        squaredOriginal += other.squaredOriginal
        maxAbsError = max(maxAbsError, other.maxAbsError)
        nonFinite += other.nonFinite
    }

    /// The errors of `weight` against `original` (a BF16, F16 or F32 tensor of `checkpoint` with
    /// the same shape), rows split over `threads` threads, each decoding and widening about
    /// 256 KiB of rows at a time.
    static func measure(_ weight: DequantizedWeight, against original: Checkpoint.Tensor, in checkpoint: Checkpoint,
                        threads: Int) -> WeightErrors {
        let rows = weight.rows, columns = weight.columns
        let shares = max(1, min(threads, rows))
        let perShare = (rows + shares - 1) / shares
        let tile = max(1, min(perShare, (1 << 16) / max(columns, 1)))
        let results = UnsafeMutableBufferPointer<WeightErrors>.allocate(capacity: shares)
        results.initialize(repeating: WeightErrors())
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: shares) { share in
            let decoded = UnsafeMutablePointer<Float>.allocate(capacity: tile * columns)
            let reference = UnsafeMutablePointer<Float>.allocate(capacity: tile * columns)
            defer { decoded.deallocate(); reference.deallocate() }
            var errors = WeightErrors()
            var start = share * perShare
            let end = min(rows, start + perShare)
            while start < end {
                let count = min(tile, end - start)
                weight.decode(rows: start..<(start + count), into: decoded)
                checkpoint.widen(original, elements: (start * columns)..<((start + count) * columns), into: reference)
                for r in 0..<count {
                    errors.add(row: reference + r * columns, decoded: decoded + r * columns, count: columns)
                }
                start += count
            }
            results[share] = errors
        }
        return results.reduce(into: WeightErrors()) { $0.merge($1) }
    }

    /// Folds in one row: eight lanes of float sums, added to the double totals per row, and the
    /// largest difference as the largest magnitude bit pattern (an integer maximum, which vectorizes).
    private mutating func add(row original: UnsafePointer<Float>, decoded: UnsafePointer<Float>, count: Int) {
        var squared = SIMD8<Float>(), reference = SIMD8<Float>()
        var c = 0
        while c + 8 <= count {
            let w = UnsafeRawPointer(original + c).loadUnaligned(as: SIMD8<Float>.self)
            let d = UnsafeRawPointer(decoded + c).loadUnaligned(as: SIMD8<Float>.self) - w
            squared += d * d
            reference += w * w
            c += 8
        }
        var rowSquared = Double(squared.sum()), rowReference = Double(reference.sum())
        while c < count {
            let d = Double(decoded[c]) - Double(original[c])
            rowSquared += d * d
            rowReference += Double(original[c]) * Double(original[c])
            c += 1
        }
        if !rowSquared.isFinite {
            for i in 0..<count where !decoded[i].isFinite { nonFinite += 1 }
            return
        }
        var largest: UInt32 = 0
        for i in 0..<count { largest = max(largest, (decoded[i] - original[i]).bitPattern & 0x7FFF_FFFF) }
        squaredError += rowSquared
        squaredOriginal += rowReference
        maxAbsError = max(maxAbsError, Double(Float(bitPattern: largest)))
    }
}
