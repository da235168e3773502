import Foundation
import LLMCompressor

/// The ranks of an MPI launcher running a recipe that calibrates: they meet over Open MPI, loaded
/// only then (`MPIReducer`), each calibrating on its part of the samples, rank 0 writing the
/// output. A failure on any rank is reported naming the rank and host, then ends every rank
/// (`MPI_Abort`): rank 0's unfinished output goes with its run or its signal handler.
enum CalibrationRanks {
    /// Joins the other ranks when `mode` is a launcher's rank and `plan` calibrates; nil otherwise.
    static func join(_ mode: SplitMode, plan: OneshotPlan) throws -> MPIReducer? {
        guard case let .rank(launch) = mode, plan.requiresCalibration else { return nil }
        return try MPIReducer(launcherRank: launch.rank, launcherSize: launch.size)
    }

    /// Writes `error` as one line naming this rank and host, then ends the job with exit code 1.
    static func abort(_ reducer: MPIReducer, _ error: Error) -> Never {
        log("error: rank \(reducer.rank) of \(reducer.size) (host \(reducer.host), pid \(getpid())): \(error)")
        reducer.abort(code: 1)
    }

    /// What rank 0 exchanged, for the progress output.
    static func traffic(_ reducer: MPIReducer) -> String {
        let traffic = reducer.traffic
        return "calibrated over \(reducer.size) MPI ranks: rank 0 sent \(Formatting.bytes(traffic.bytesSent)) and received \(Formatting.bytes(traffic.bytesReceived)) in \(traffic.collectives) collectives, \(String(format: "%.1f", traffic.seconds)) s in them"
    }
}
