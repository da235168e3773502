import Foundation

/// Limits that turn large dequantization errors into problems, when a checkpoint is compared
/// with its original model, and the threads that compute them.
public struct VerificationOptions: Sendable {
    /// Largest relative RMS error allowed per layer, `‖W − Ŵ‖ / ‖W‖`. The default, 1, fails only
    /// a layer no closer to the original than an all-zero weight: a broken checkpoint, or not the
    /// original it came from. Typical data-free values are about 0.01 for INT8, 0.03 for FP8 and
    /// 0.1 for 4-bit weights.
    public var maxRelativeRMSError: Double
    /// Largest absolute error allowed on any element, or nil for no limit.
    public var maxAbsError: Double?
    /// Threads that dequantize and compare.
    public var threads: Int

    public init(maxRelativeRMSError: Double = 1, maxAbsError: Double? = nil,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.maxRelativeRMSError = maxRelativeRMSError
        self.maxAbsError = maxAbsError
        self.threads = max(1, threads)
    }
}
