import Checkpoint
import Foundation
import Recipes

/// The library entry point: what `compress oneshot` does, for Swift code such as training scripts.
public enum Compressor {
    /// Applies `recipe` to the checkpoint in `model` and writes the compressed checkpoint to
    /// `output`, streaming one tensor at a time, on a thread of its own so that the caller's task
    /// is free meanwhile. The output appears only when complete.
    ///
    /// The synchronous form is `run(model:recipe:output:options:progress:)`: the two have different
    /// names because top-level code (a `main.swift`) picks a synchronous overload even under
    /// `try await`.
    /// - Parameter progress: called after every tensor, on the run's thread.
    @discardableResult
    public static func oneshot(model: String, recipe: Recipe, output: String, options: OneshotOptions = OneshotOptions(),
                               progress: (@Sendable (OneshotProgress) -> Void)? = nil) async throws(ModifierError) -> OneshotSummary {
        let result: Result<OneshotSummary, ModifierError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Result { () throws(ModifierError) in
                    try run(model: model, recipe: recipe, output: output, options: options, progress: progress.map { p in { p($0) } })
                })
            }
        }
        return try result.get()
    }

    /// Applies `recipe` to the checkpoint in `model` and writes the compressed checkpoint to
    /// `output`, streaming one tensor at a time, on the calling thread: `oneshot` without `async`.
    /// - Parameter progress: called after every tensor, on the calling thread.
    @discardableResult
    public static func run(model: String, recipe: Recipe, output: String, options: OneshotOptions = OneshotOptions(),
                           progress: ((OneshotProgress) -> Void)? = nil) throws(ModifierError) -> OneshotSummary {
        try run(OneshotPlan(model: model, recipe: recipe), output: output, options: options, progress: progress)
    }

    /// Executes a plan. A plan that needs calibration (`OneshotPlan/requiresCalibration`) runs
    /// layer by layer on `options.calibration`.
    public static func run(_ plan: OneshotPlan, output: String, options: OneshotOptions,
                           progress: ((OneshotProgress) -> Void)? = nil) throws(ModifierError) -> OneshotSummary {
        let start = Date()
        let checkpoint = plan.checkpoint
        var pipeline: SequentialPipeline?
        var samples: [[Int]] = []
        if plan.requiresCalibration {
            guard let calibration = options.calibration else {
                throw .needsCalibration(modifiers: plan.calibratingModifiers)
            }
            pipeline = try SequentialPipeline(plan: plan, program: plan.program, threads: options.threads)
            pipeline?.cancellation = options.cancellation
            samples = calibration.samples
        }
        do {
            let folder = try OutputFolder(destination: output, inputs: plan.inputs(calibration: options.calibration), overwrite: options.overwrite)
            if !folder.leftovers.isEmpty { options.leftoversCleaned?(folder.leftovers) }
            let others = checkpoint.auxiliaryFiles()
            let skipped = options.copyPickledWeights ? [] : others.filter(PickledWeights.matches)
            let copied = others.filter { !skipped.contains($0) }
            var auxiliary: [MappedFile] = []
            for name in copied { auxiliary.append(try checkpoint.openFile(named: name)) }
            let shardPlan = ShardPlan(tensors: pipeline?.outputs ?? plan.outputs, maxShardBytes: options.maxShardBytes)
            let writer = CheckpointWriter(directory: folder.workingPath, plan: shardPlan)
            let totalBytes = checkpoint.totalBytes
            var bytesDone = 0
            var tensorsDone = 0
            let report = { (i: Int) throws(ModifierError) in
                try options.cancellation?.check()
                let tensor = plan.quantization.entries[i].tensor
                bytesDone += tensor.info.byteCount
                tensorsDone += 1
                progress?(OneshotProgress(tensorsDone: tensorsDone, tensorsTotal: plan.quantization.entries.count,
                                          bytesDone: bytesDone, bytesTotal: totalBytes, tensor: tensor.name))
            }
            if let pipeline {
                try pipeline.run(samples: samples, writer: writer, progress: report)
            } else {
                try streamDataFree(plan, writer: writer, options: options, progress: report)
            }
            // A file that changed during the last tensor read from it would otherwise go unnoticed.
            try checkpoint.checkUnchanged()
            try writer.finish()
            for file in auxiliary { try folder.copy(file: file) }
            try folder.write(text: plan.outputConfig.text, to: ModelConfig.fileName)
            try folder.write(text: plan.recipe.savedYAML(), to: "recipe.yaml")
            try folder.commit()
            return OneshotSummary(output: folder.destination, tensorsQuantized: plan.quantization.quantizedCount,
                                  tensorsCopied: plan.quantization.entries.count - plan.quantization.quantizedCount,
                                  bytesIn: totalBytes, bytesOut: writer.bytesWritten, shards: shardPlan.shards.count,
                                  filesCopied: copied, filesSkipped: skipped, ignore: plan.quantization.ignore,
                                  seconds: Date().timeIntervalSince(start))
        } catch let error as CheckpointError {
            throw explained(.checkpoint(error), checkpoint: checkpoint, output: output)
        } catch let error as ModifierError {
            throw explained(error, checkpoint: checkpoint, output: output)
        } catch {
            throw .recipe("\(error)")
        }
    }

    /// The error a user should read for a failed write: the input's change when a shard changed
    /// (writing bytes of a mapping whose file was truncated fails with EFAULT before a check sees
    /// the truncation), else the output path as in `output` rather than its temporary folder.
    private static func explained(_ error: ModifierError, checkpoint: Checkpoint, output: String) -> ModifierError {
        guard case let .checkpoint(cause) = error, case .outputFailed = cause else { return error }
        if case let .failure(changed) = Result(catching: checkpoint.checkUnchanged) { return .checkpoint(changed) }
        return .checkpoint(OutputFolder.naming(cause, destination: output))
    }

    /// Quantizes or copies every tensor in stream order, one at a time, without running the model.
    private static func streamDataFree(_ plan: OneshotPlan, writer: CheckpointWriter, options: OneshotOptions,
                                       progress: (Int) throws(ModifierError) -> Void) throws {
        let threads = options.threads, allowNonFinite = !options.rejectNonFinite
        let checkpoint = plan.checkpoint
        var fusedGroupOf: [Int: Int] = [:]
        for (g, members) in plan.fusedGroups.enumerated() { for i in members { fusedGroupOf[i] = g } }
        var fusedAbsmax: [Int: Float] = [:]
        for (i, entry) in plan.quantization.entries.enumerated() {
            let data = try checkpoint.checkedData(entry.tensor)
            switch entry.action {
            case .copy:
                try writer.begin(entry.tensor.name)
                try writer.append(data)
            case let .quantize(group):
                let quantizer = plan.quantizers[group]
                let names = plan.layouts[group].tensors(module: entry.module, weight: entry.tensor.info).map(\.name)
                var next = 0
                var context = QuantizationContext(allowNonFinite: allowNonFinite)
                if let g = fusedGroupOf[i] {
                    // Read ahead: the siblings' largest magnitude, once per group (they follow in stream order).
                    if fusedAbsmax[g] == nil {
                        fusedAbsmax[g] = try plan.fusedAbsmax(plan.fusedGroups[g], threads: threads, allowNonFinite: allowNonFinite)
                    }
                    context.groupAbsmax = fusedAbsmax[g]
                }
                try quantizer.quantize(weight: entry.tensor.info, data: data, threads: threads, context: context) { bytes throws(CheckpointError) in
                    try writer.begin(names[next])
                    try writer.append(bytes)
                    next += 1
                }
            }
            checkpoint.release(entry.tensor)
            try progress(i)
        }
    }
}
