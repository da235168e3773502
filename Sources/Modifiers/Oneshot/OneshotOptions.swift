import Checkpoint
import Foundation
import Runtime

/// Settings of a `Compressor.oneshot` or `Compressor.run` run.
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
    /// Copy the model folder's pickled weights (`PickledWeights`) into the output too; by
    /// default they are left out and listed in `OneshotSummary.filesSkipped`.
    public var copyPickledWeights: Bool
    /// Set it from another thread to stop the run (`CancellationFlag`); nil: the run cannot be cancelled.
    public var cancellation: CancellationFlag?
    /// Whether calibration runs every expert of a mixture on every token for its statistics
    /// (true, the default, as llm-compressor 0.14's `moe_calibrate_all_experts`), the block's
    /// output still summing the routed experts' results only; false: each expert is calibrated on
    /// the tokens routed to it, and one that got none is quantized from its weights alone.
    public var moeCalibrateAllExperts = true
    /// The dtype calibration's forward multiplies in (``CalibrationDType``), which GPTQ's Hessians
    /// of bf16 layers follow: the checkpoint's by default.
    public var calibrationDType: CalibrationDType = .auto
    /// Told, during calibration on routed tokens, each expert that got too few tokens (one line each).
    public var calibrationWarning: (@Sendable (String) -> Void)?
    /// The ranks calibrating together (``MPIReducer``), each on its part of the samples, rank 0
    /// alone writing the output; nil: one process.
    public var reducer: (any StatisticsReducer)?

    public init(maxShardBytes: Int = ShardPlan.defaultMaxShardBytes, threads: Int = OneshotOptions.coreCount,
                overwrite: Bool = false, rejectNonFinite: Bool = true, calibration: CalibrationInput? = nil,
                copyPickledWeights: Bool = false, leftoversCleaned: (@Sendable (OutputLeftovers) -> Void)? = nil) {
        self.calibration = calibration
        self.copyPickledWeights = copyPickledWeights
        self.leftoversCleaned = leftoversCleaned
        self.maxShardBytes = maxShardBytes
        self.threads = max(1, threads)
        self.overwrite = overwrite
        self.rejectNonFinite = rejectNonFinite
    }

    /// Cores this process may use.
    public static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// The dtype of the products of calibration's forward passes, as llm-compressor's `torch_dtype` of
/// the model it calibrates (the attention, norms and hidden states stay in f32 either way):
/// `auto` (the checkpoint's, the default; weights calibration changes are rounded to bf16 too) or
/// `float32`.
public typealias CalibrationDType = ComputeDType

/// Where a run stands, reported after every tensor.
public struct OneshotProgress: Sendable {
    public let tensorsDone: Int
    public let tensorsTotal: Int
    /// Input bytes processed so far, and in all.
    public let bytesDone: Int
    public let bytesTotal: Int
    /// The tensor just finished.
    public let tensor: String

    public init(tensorsDone: Int, tensorsTotal: Int, bytesDone: Int, bytesTotal: Int, tensor: String) {
        self.tensorsDone = tensorsDone
        self.tensorsTotal = tensorsTotal
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.tensor = tensor
    }
}

/// What a finished run did.
public struct OneshotSummary: Sendable, Codable {
    public let output: String
    public let tensorsQuantized: Int
    public let tensorsCopied: Int
    /// Tensor bytes read from the input's files (a quantized input's stored codes and scales).
    public let bytesIn: Int
    public let bytesOut: Int
    public let shards: Int
    public let filesCopied: [String]
    /// Files of the model folder left out: pickled weights, unless `OneshotOptions.copyPickledWeights`.
    public let filesSkipped: [String]
    public let ignore: [String]
    public let seconds: Double

    /// Input bytes per output byte.
    public var compressionRatio: Double { bytesOut == 0 ? 0 : Double(bytesIn) / Double(bytesOut) }
}
