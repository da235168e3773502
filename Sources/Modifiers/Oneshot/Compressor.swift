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
        checkpoint.computeThreads = options.threads
        var pipeline: SequentialPipeline?
        var samples: [[Int]] = []
        if plan.requiresCalibration {
            guard let calibration = options.calibration else {
                throw .needsCalibration(modifiers: plan.calibratingModifiers)
            }
            pipeline = try SequentialPipeline(plan: plan, program: plan.program, threads: options.threads,
                                              everyExpert: options.moeCalibrateAllExperts, dtype: options.calibrationDType)
            pipeline?.cancellation = options.cancellation
            pipeline?.warn = options.calibrationWarning
            samples = calibration.samples
            if let reducer = options.reducer {
                pipeline?.reducer = reducer
                if reducer.rank != 0, let pipeline { return try calibrateWithoutWriting(plan, pipeline, samples: samples, options: options, start: start) }
            }
        }
        do throws(ModifierError) {
            let folder = try checkpointStep { () throws(CheckpointError) in
                try OutputFolder(destination: output, inputs: plan.inputs(calibration: options.calibration), overwrite: options.overwrite)
            }
            if !folder.leftovers.isEmpty { options.leftoversCleaned?(folder.leftovers) }
            let others = try OtherFiles(plan: plan, options: options)
            let shardPlan = ShardPlan(tensors: pipeline?.outputs ?? plan.outputs, maxShardBytes: options.maxShardBytes)
            let writer = CheckpointWriter(directory: folder.workingPath, plan: shardPlan)
            let step = TensorWriteStep(plan: plan, writer: writer, threads: options.threads)
            let report = reporter(plan, options: options, progress: progress)
            if let pipeline {
                try pipeline.run(samples: samples, step: step, progress: report)
            } else {
                try DataFreeStream(plan: plan, threads: options.threads, allowNonFinite: !options.rejectNonFinite).run(step, progress: report)
            }
            try checkpointStep { () throws(CheckpointError) in
                // A file that changed during the last tensor read from it would otherwise go unnoticed.
                try checkpoint.checkUnchanged()
                try writer.finish()
                try complete(folder, plan: plan, others: others)
            }
            return summary(plan, output: folder.destination, bytesOut: writer.bytesWritten, shards: shardPlan.shards.count, others: others, start: start)
        } catch {
            throw explained(error, checkpoint: checkpoint, output: output)
        }
    }

    /// A rank other than 0 of a calibration over several ranks: it calibrates on its part of the
    /// samples and writes nothing (rank 0 writes the output).
    private static func calibrateWithoutWriting(_ plan: OneshotPlan, _ pipeline: SequentialPipeline, samples: [[Int]],
                                                options: OneshotOptions, start: Date) throws(ModifierError) -> OneshotSummary {
        try pipeline.run(samples: samples, step: nil, progress: reporter(plan, options: options, progress: nil))
        return summary(plan, output: "", bytesOut: 0, shards: 0, others: try OtherFiles(plan: plan, options: options), start: start)
    }

    /// The files of the model folder other than weights: those copied into the output, opened up
    /// front so that an unreadable one fails the run early, and the pickled weights left out.
    struct OtherFiles {
        let copied: [String]
        let skipped: [String]
        let opened: [MappedFile]

        init(plan: OneshotPlan, options: OneshotOptions) throws(ModifierError) {
            self = try checkpointStep { () throws(CheckpointError) in
                try OtherFiles(checkpoint: plan.checkpoint, copyPickledWeights: options.copyPickledWeights)
            }
        }

        /// The other files of `checkpoint`'s folder, pickled weights among them only when `copyPickledWeights`.
        init(checkpoint: Checkpoint, copyPickledWeights: Bool) throws(CheckpointError) {
            let others = checkpoint.auxiliaryFiles()
            skipped = copyPickledWeights ? [] : others.filter(PickledWeights.matches)
            copied = others.filter { [skipped] in !skipped.contains($0) }
            opened = try copied.map { (name) throws(CheckpointError) in try checkpoint.openFile(named: name) }
        }
    }

    /// The progress step of a run: checks for cancellation, then reports entry `i` as done.
    static func reporter(_ plan: OneshotPlan, options: OneshotOptions,
                         progress: ((OneshotProgress) -> Void)?) -> (Int) throws(ModifierError) -> Void {
        let totalBytes = plan.checkpoint.totalBytes
        var bytesDone = 0
        var tensorsDone = 0
        return { (i: Int) throws(ModifierError) in
            try options.cancellation?.check()
            let tensor = plan.quantization.entries[i].tensor
            bytesDone += tensor.info.byteCount
            tensorsDone += 1
            progress?(OneshotProgress(tensorsDone: tensorsDone, tensorsTotal: plan.quantization.entries.count,
                                      bytesDone: bytesDone, bytesTotal: totalBytes, tensor: tensor.name))
        }
    }

    /// Writes what an output holds besides its shards and index (the other files, config.json,
    /// recipe.yaml) and moves it into place.
    static func complete(_ folder: OutputFolder, plan: OneshotPlan, others: OtherFiles) throws(CheckpointError) {
        for file in others.opened { try folder.copy(file: file) }
        try folder.write(text: plan.outputConfig.text, to: ModelConfig.fileName)
        try folder.write(text: plan.recipe.savedYAML(), to: "recipe.yaml")
        try folder.commit()
    }

    static func summary(_ plan: OneshotPlan, output: String, bytesOut: Int, shards: Int, others: OtherFiles, start: Date) -> OneshotSummary {
        OneshotSummary(output: output, tensorsQuantized: plan.quantization.quantizedCount,
                       tensorsCopied: plan.quantization.entries.count - plan.quantization.quantizedCount,
                       bytesIn: plan.checkpoint.storedBytes, bytesOut: bytesOut, shards: shards,
                       filesCopied: others.copied, filesSkipped: others.skipped, ignore: plan.quantization.ignore,
                       seconds: Date().timeIntervalSince(start))
    }

    /// Runs a step of the checkpoint layer, its error as the run's.
    static func checkpointStep<R>(_ body: () throws(CheckpointError) -> R) throws(ModifierError) -> R {
        do { return try body() } catch { throw .checkpoint(error) }
    }

    /// The error a user should read for a failed write: the input's change when a shard changed
    /// (writing bytes of a mapping whose file was truncated fails with EFAULT before a check sees
    /// the truncation), else the output path as in `output` rather than its temporary folder.
    /// `working` is the folder written in when it is not the output's temporary folder (a part's).
    static func explained(_ error: ModifierError, checkpoint: Checkpoint, output: String, working: String? = nil) -> ModifierError {
        guard case let .checkpoint(cause) = error, case .outputFailed = cause else { return error }
        if case let .failure(changed) = Result(catching: checkpoint.checkUnchanged) { return .checkpoint(changed) }
        return .checkpoint(OutputFolder.naming(cause, destination: output, working: working))
    }
}
