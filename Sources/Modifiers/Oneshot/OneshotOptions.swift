import Foundation
import Checkpoint

/// Settings of a `Compressor.oneshot` run.
public struct OneshotOptions: Sendable {
    /// Largest shard written, in bytes (default 5 GB, as transformers).
    public var maxShardBytes: Int
    /// Threads that quantize (default: every core).
    public var threads: Int
    /// Replace a non-empty output folder.
    public var overwrite: Bool
    /// The NaN/Inf check on weights to quantize; on by default.
    public var rejectNonFinite: Bool
    /// Calibration data, for recipes that need it.
    public var calibration: CalibrationInput?
    /// Told, before any tensor is read, what leftovers of killed runs writing the same output were
    /// cleaned up (`OutputLeftovers`), when there were any.
    public var leftoversCleaned: (@Sendable (OutputLeftovers) -> Void)?
    /// Set it from another thread to stop the run (`CancellationFlag`); nil: the run cannot be cancelled.
    public var cancellation: CancellationFlag?

    public init(maxShardBytes: Int = ShardPlan.defaultMaxShardBytes, threads: Int = OneshotOptions.coreCount,
                overwrite: Bool = false, rejectNonFinite: Bool = true, calibration: CalibrationInput? = nil,
                leftoversCleaned: (@Sendable (OutputLeftovers) -> Void)? = nil) {
        self.calibration = calibration
        self.leftoversCleaned = leftoversCleaned
        self.maxShardBytes = maxShardBytes
        self.threads = max(1, threads)
        self.overwrite = overwrite
        self.rejectNonFinite = rejectNonFinite
    }

    /// Cores this process may use.
    public static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Where a run stands, reported after every tensor.
public struct OneshotProgress: Sendable {
    public let tensorsDone: Int
    public let tensorsTotal: Int
    /// Input bytes processed so far, and in all.
    public let bytesDone: Int
    public let bytesTotal: Int
    /// The tensor just finished.
    public let tensor: String
}

/// What a finished run did.
public struct OneshotSummary: Sendable, Codable {
    public let output: String
    public let tensorsQuantized: Int
    public let tensorsCopied: Int
    public let bytesIn: Int
    public let bytesOut: Int
    public let shards: Int
    public let filesCopied: [String]
    public let ignore: [String]
    public let seconds: Double

    /// Input bytes per output byte.
    public var compressionRatio: Double { bytesOut == 0 ? 0 : Double(bytesIn) / Double(bytesOut) }
}
