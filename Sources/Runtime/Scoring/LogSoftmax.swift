import Foundation

/// Log-probabilities from logits, accurate to f64: the maximum is subtracted in f32 (exact for
/// the largest term), exponentials are taken in f32 and summed in f64, and the log in f64.
public enum LogSoftmax {
    /// `log Σ_i e^(x_i)` of one row.
    ///
    /// - Precondition: `logits` is not empty.
    /// - Complexity: O(n).
    public static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Double {
        precondition(!logits.isEmpty, "LogSoftmax.logSumExp: empty row")
        let base = logits.baseAddress!
        let maximum = VectorMath.maximum(base, count: logits.count)
        return Double(maximum) + Foundation.log(VectorMath.sumOfExponentials(base, count: logits.count, subtracting: maximum))
    }

    /// `log p(target)` under the softmax of `logits`.
    ///
    /// - Precondition: `target` indexes `logits`.
    public static func logProbability(of target: Int, in logits: UnsafeBufferPointer<Float>) -> Double {
        Double(logits[target]) - logSumExp(logits)
    }

    /// Every log-probability of one row.
    public static func logProbabilities<C: Collection>(_ logits: C) -> [Double] where C.Element == Float {
        let row = Array(logits)
        let total = row.withUnsafeBufferPointer(logSumExp)
        return row.map { Double($0) - total }
    }
}
