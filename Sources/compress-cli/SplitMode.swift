import ArgumentParser
import Foundation
import LLMCompressor

/// How `compress oneshot` writes its output: alone, as one part of a data-free run split over
/// processes (`--part I/N`), finishing such a run (`--finish N`), or as one rank of an MPI
/// launcher, which writes part rank+1 and, on rank 0, waits for the others and finishes.
enum SplitMode: Equatable {
    case single
    case part(Int, of: Int)
    case finish(Int)
    case rank(LauncherRank)

    /// The mode the options ask for, else the one a launcher's environment tells, else `single`.
    static func chosen(part: String?, finish: Int?, environment: [String: String]) throws(LauncherRankError) -> SplitMode {
        if let part, let (index, count) = parsePart(part) { return .part(index, of: count) }
        if let finish { return .finish(finish) }
        return try LauncherRank.detect(environment).map { .rank($0) } ?? .single
    }

    /// Checks `--part`, `--finish` and `--parts-timeout`, alone and with `--dry-run`.
    static func validate(part: String?, finish: Int?, partsTimeout: Int, dryRun: Bool) throws {
        if let part, parsePart(part) == nil { throw ValidationError("--part '\(part)' is not I/N with 1 <= I <= N, such as 2/3") }
        if let finish, finish < 1 { throw ValidationError("--finish must be at least 1") }
        if part != nil, finish != nil { throw ValidationError("--part writes a part and --finish finishes the output: pass one") }
        if dryRun, part != nil || finish != nil { throw ValidationError("--dry-run writes nothing: it takes no --part or --finish") }
        guard partsTimeout >= 0 else { throw ValidationError("--parts-timeout must be at least 0") }
    }

    /// "I/N" with 1 ≤ I ≤ N, or nil.
    static func parsePart(_ text: String) -> (Int, Int)? {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let index = Int(pieces[0]), let count = Int(pieces[1]), count >= 1, (1...count).contains(index) else { return nil }
        return (index, count)
    }

    /// What a signal must remove for this mode: one part's unfinished folder for `--part` (the
    /// other parts are other jobs' work), everything of the split run for an MPI rank or a finish.
    func unfinished(_ output: String) -> UnfinishedOutput {
        switch self {
        case .single: return UnfinishedOutput(destination: output)
        case let .part(index, _): return UnfinishedOutput(part: index, of: output)
        case .finish, .rank: return UnfinishedOutput(destination: output, parts: true)
        }
    }

    /// This process's index among its host's ranks under a launcher (the GPU `--device cuda`
    /// takes); 0 otherwise.
    var localRank: Int {
        if case let .rank(launch) = self { return launch.localRank }
        return 0
    }

    /// Whether this process shows progress: ranks other than 0 keep quiet.
    var showsProgress: Bool {
        if case let .rank(launch) = self { return launch.rank == 0 }
        return true
    }

    /// Runs `plan` in this mode.
    func run(_ plan: OneshotPlan, output: String, options: OneshotOptions, partsTimeout: Int,
             progress: @escaping (OneshotProgress) -> Void) throws(ModifierError) -> OneshotSummary {
        let tool = "compress \(Compress.version)"
        switch self {
        case .single:
            return try Compressor.run(plan, output: output, options: options, progress: progress)
        case let .part(index, count):
            return try Compressor.runPart(plan, SplitPart(part: index, count: count, tool: tool), output: output, options: options, progress: progress)
        case let .finish(count):
            return try Compressor.finishParts(plan, count: count, tool: tool, output: output, options: options)
        case .rank where calibrates(plan):
            return try Compressor.run(plan, output: output, options: options, progress: progress)
        case let .rank(launch):
            let split = SplitPart(part: launch.rank + 1, count: launch.size, rank: launch.rank, stopsWhenAnotherFails: true, tool: tool,
                                  waitsForPartsFolder: launch.rank == 0 ? nil : Double(partsTimeout))
            do {
                let written = try Compressor.runPart(plan, split, output: output, options: options, progress: progress)
                guard launch.rank == 0 else { return written }
                return try Compressor.finishParts(plan, count: launch.size, tool: tool, output: output, options: options,
                                                  waitingUpTo: Double(partsTimeout))
            } catch {
                if launch.rank == 0 { PartsFolder.remove(destination: output) }
                throw error
            }
        }
    }

    /// Whether this is a launcher's rank calibrating `plan` with the others (over MPI, not split by shards).
    func calibrates(_ plan: OneshotPlan) -> Bool {
        if case .rank = self { return plan.requiresCalibration }
        return false
    }

    /// After this process failed with `error` before its part could start: under a launcher,
    /// the failure recorded for rank 0 to report (in the parts folder rank 0 creates, waited for
    /// up to `partsTimeout` seconds), or on rank 0, the parts removed (the launcher then stops the
    /// other ranks, whose signal handlers remove what they write).
    func failedEarly(_ error: Error, output: String?, partsTimeout: Int) {
        guard case let .rank(launch) = self, let output else { return }
        if launch.rank == 0 {
            PartsFolder.remove(destination: output)
        } else {
            PartsFolder.recordFailure(destination: output, part: launch.rank + 1, count: launch.size, rank: launch.rank, error: "\(error)",
                                      waitingUpTo: Double(partsTimeout))
        }
    }

    /// Whether `run` returns a part's summary rather than the output's.
    var writesPartOnly: Bool {
        switch self {
        case .single, .finish: return false
        case .part: return true
        case let .rank(launch): return launch.rank != 0
        }
    }
}
