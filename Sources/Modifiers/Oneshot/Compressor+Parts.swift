import Checkpoint
import Foundation

/// A data-free run split over processes: every process plans the same output and shard layout
/// (`ShardAssignment`), each writes its part's shards into the output's parts folder
/// (`PartsFolder`), and one finishes the output from them, byte for byte the output of one
/// process.
extension Compressor {
    /// Writes the shards of `split`'s part into the parts folder of `output`, and a record of
    /// the part: written, or failed with the error it throws (under a launcher, also when the
    /// part is refused before it starts, so that rank 0 does not wait for it).
    public static func runPart(_ plan: OneshotPlan, _ split: SplitPart, output: String, options: OneshotOptions,
                               progress: ((OneshotProgress) -> Void)? = nil) throws(ModifierError) -> OneshotSummary {
        let start = Date()
        try plan.refuseSplitCalibration()
        let shardPlan = ShardPlan(tensors: plan.outputs, maxShardBytes: options.maxShardBytes)
        let shards = ShardAssignment(plan: shardPlan, count: split.count).parts[split.part - 1]
        let fingerprint = plan.splitFingerprint(shardPlan, options: options, tool: split.tool)
        let (parts, part) = try checkpointStep { () throws(CheckpointError) in
            do throws(CheckpointError) {
                if let timeout = split.waitsForPartsFolder, !PartsFolder.awaitFolder(destination: output, timeout: timeout) {
                    throw .outputFailed(path: output, reason: "part \(split.part)/\(split.count): the parts folder \(PartsFolder.path(for: output)) "
                        + "was not there within \(Int(timeout)) s (the rank finishing the output creates it)")
                }
                let parts = try PartsFolder(destination: output, inputs: plan.inputs(calibration: nil), overwrite: options.overwrite,
                                            create: split.waitsForPartsFolder == nil)
                return (parts, try PartOutput(parts: parts, part: split.part, count: split.count, rank: split.rank, plan: fingerprint))
            } catch {
                if split.rank != nil {
                    PartsFolder.recordFailure(destination: output, part: split.part, count: split.count, rank: split.rank,
                                              error: error.description, waitingUpTo: split.waitsForPartsFolder ?? 0)
                }
                throw error
            }
        }
        let watch = split.stopsWhenAnotherFails ? PartsWatch(parts: parts, output: output) : nil
        do throws(ModifierError) {
            let writer = CheckpointWriter(directory: part.workingPath, plan: shardPlan, writing: Set(shards))
            let step = TensorWriteStep(plan: plan, writer: writer, threads: options.threads)
            let report = reporter(plan, options: options, progress: progress)
            let stream = DataFreeStream(plan: plan, threads: options.threads, allowNonFinite: !options.rejectNonFinite)
            try stream.run(step, entries: plan.entries(writingInto: shards, of: shardPlan)) { (i) throws(ModifierError) in
                try watch?.check()
                try report(i)
            }
            try checkpointStep { () throws(CheckpointError) in
                try plan.checkpoint.checkUnchanged()
                try writer.finish()
                try part.complete(shards: shards.map(shardPlan.fileName))
            }
            return OneshotSummary(output: parts.path, tensorsQuantized: plan.quantization.quantizedCount,
                                  tensorsCopied: plan.quantization.entries.count - plan.quantization.quantizedCount,
                                  bytesIn: plan.checkpoint.storedBytes, bytesOut: writer.bytesWritten, shards: shards.count,
                                  filesCopied: [], filesSkipped: [], ignore: plan.quantization.ignore,
                                  seconds: Date().timeIntervalSince(start))
        } catch {
            let explained = explained(error, checkpoint: plan.checkpoint, output: output, working: part.workingPath)
            if watch?.stopped != true { part.fail(explained.description) }
            throw explained
        }
    }

    /// Finishes `output` from the `count` parts in its parts folder: checks that every part is
    /// written from this plan, moves their shards into the output's temporary folder, writes the
    /// index, the other files, config.json and recipe.yaml, moves the output into place and
    /// removes the parts folder.
    ///
    /// Parts missing or from another plan are refused, the parts left as they are (a missing one
    /// can still be written); without `waitingUpTo`, missing parts are refused at once, else
    /// waited for that many seconds. A failed part fails the finish, naming it (its rank, host
    /// and error), and the parts folder is removed, as it is on any failure once every part
    /// was found written.
    public static func finishParts(_ plan: OneshotPlan, count: Int, tool: String, output: String, options: OneshotOptions,
                                   waitingUpTo timeout: Double? = nil) throws(ModifierError) -> OneshotSummary {
        let start = Date()
        try plan.refuseSplitCalibration()
        let shardPlan = ShardPlan(tensors: plan.outputs, maxShardBytes: options.maxShardBytes)
        let fingerprint = plan.splitFingerprint(shardPlan, options: options, tool: tool)
        let parts = try checkpointStep { () throws(CheckpointError) in
            try PartsFolder(destination: output, inputs: plan.inputs(calibration: nil), overwrite: options.overwrite, create: false)
        }
        try waitForParts(parts, count: count, plan: fingerprint, output: output, timeout: timeout, cancellation: options.cancellation)
        defer { parts.remove() }
        do throws(ModifierError) {
            let folder = try checkpointStep { () throws(CheckpointError) in
                try OutputFolder(destination: output, inputs: plan.inputs(calibration: nil), overwrite: options.overwrite)
            }
            if !folder.leftovers.isEmpty { options.leftoversCleaned?(folder.leftovers) }
            let others = try OtherFiles(plan: plan, options: options)
            try checkpointStep { () throws(CheckpointError) in
                try plan.checkpoint.checkUnchanged()
                try parts.moveShards(shardPlan.shards.indices.map(shardPlan.fileName), into: folder.workingPath)
                if let index = shardPlan.indexText { try folder.write(text: index, to: ShardIndex.fileName) }
                try complete(folder, plan: plan, others: others)
            }
            return summary(plan, output: folder.destination, bytesOut: shardPlan.totalBytes, shards: shardPlan.shards.count,
                           others: others, start: start)
        } catch {
            throw explained(error, checkpoint: plan.checkpoint, output: output)
        }
    }

    /// Returns once every part is written; throws when one failed (removing the parts folder), or
    /// when parts are missing after `timeout` seconds (removing it) or at once without one (leaving it).
    private static func waitForParts(_ parts: PartsFolder, count: Int, plan: [PartRecord.Component], output: String,
                                     timeout: Double?, cancellation: CancellationFlag?) throws(ModifierError) {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            let status = try checkpointStep { () throws(CheckpointError) in try parts.status(count: count, plan: plan) }
            switch status {
            case .complete:
                return
            case let .failed(record):
                parts.remove()
                throw .checkpoint(.outputFailed(path: output, reason: record.failure ?? "\(record.who) failed"))
            case let .missing(missing):
                let names = missing.map { "\($0)/\(count)" }.joined(separator: ", ")
                let which = "part\(missing.count == 1 ? "" : "s") \(names) \(missing.count == 1 ? "is" : "are") not written"
                guard let deadline else {
                    let runs = missing.map { "--part \($0)/\(count)" }.joined(separator: ", ")
                    throw .checkpoint(.outputFailed(path: output, reason: "cannot finish: \(which) (run \(runs) first)"))
                }
                if Date() > deadline {
                    parts.remove()
                    throw .checkpoint(.outputFailed(path: output, reason: "cannot finish: \(which) after waiting \(Int(timeout ?? 0)) s; removed the parts"))
                }
                try cancellation?.check()
                usleep(200_000)
            }
        }
    }
}
