import Checkpoint
import CompressedTensors
import Foundation
import JSON

/// `compress convert --dequantize`: a quantized checkpoint (FP8 block or compressed-tensors)
/// written back as its BF16 model, each weight dequantized as ``DequantizedSource`` reads it,
/// streaming one tensor at a time; config.json loses its `quantization_config`. The output folder
/// follows `oneshot`'s rules (``OutputFolder``): it appears only when complete, never replaces an
/// input, and must not exist or be empty (a dequantized checkpoint is not one `--overwrite` may replace).
public enum Dequantization {
    /// What a run wrote.
    public struct Summary: Sendable {
        public let output: String
        public let tensorsDequantized: Int
        public let tensorsCopied: Int
        public let bytesOut: Int
        public let shards: Int
        /// Files of the model folder copied unchanged (pickled weights are not).
        public let filesCopied: [String]
    }

    /// Writes the dequantized model of the checkpoint in `model` to `output`.
    /// - Parameter progress: called after each tensor with the number written and the total.
    /// - Throws: `compressedTensors` for a checkpoint that is not quantized or whose format no
    ///   reader handles, naming the file or tensor; `checkpoint` for the input or output.
    public static func run(model: String, output: String, maxShardBytes: Int = ShardPlan.defaultMaxShardBytes, threads: Int,
                           progress: ((Int, Int) -> Void)? = nil) throws(ModifierError) -> Summary {
        let stored: Checkpoint
        do { stored = try Checkpoint(directory: model) } catch { throw .checkpoint(error) }
        guard stored.config?.json["quantization_config"] != nil else {
            throw .compressedTensors(.unsupportedSource(file: model + "/" + ModelConfig.fileName,
                                                        reason: "missing: the checkpoint is not quantized, so there is nothing to dequantize"))
        }
        let source: Checkpoint
        do { source = try DequantizedSource.open(stored) } catch { throw .compressedTensors(error) }
        source.computeThreads = threads
        do {
            let folder = try OutputFolder(destination: output, inputs: source.runInputs, overwrite: false)
            let others = try Compressor.OtherFiles(checkpoint: source, copyPickledWeights: false)
            let plan = ShardPlan(tensors: source.tensors.map { OutputTensor(name: $0.name, dtype: $0.info.dtype, shape: $0.info.shape) },
                                 maxShardBytes: maxShardBytes)
            let writer = CheckpointWriter(directory: folder.workingPath, plan: plan)
            for (i, tensor) in source.tensors.enumerated() {
                try writer.begin(tensor.name)
                try writer.append(try source.checkedData(tensor))
                source.release(tensor)
                progress?(i + 1, source.tensors.count)
            }
            try source.checkUnchanged()
            try writer.finish()
            for file in others.opened { try folder.copy(file: file) }
            try folder.write(text: (source.config ?? ModelConfig(json: JSONObject())).text, to: ModelConfig.fileName)
            try folder.commit()
            let derived = source.tensors.count - stored.tensors.filter { source.tensor(named: $0.name)?.info == $0.info }.count
            return Summary(output: folder.destination, tensorsDequantized: derived, tensorsCopied: source.tensors.count - derived,
                           bytesOut: writer.bytesWritten, shards: plan.shards.count, filesCopied: others.copied)
        } catch {
            throw .checkpoint(OutputFolder.naming(error, destination: output))
        }
    }
}
