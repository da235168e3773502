/// How the processes calibrating one model meet: the seam between the sequential pipeline and
/// MPI. Each rank calibrates on its own contiguous part of the samples (``SampleSplit``); after
/// each pass the statistics go through these collectives, and every combination is done in rank
/// order, so that a run is deterministic for a given number of ranks.
///
/// ``SingleProcess`` is the identity (one rank); ``MPIReducer`` runs the ranks of an MPI launcher.
public protocol StatisticsReducer: AnyObject, Sendable {
    /// This process's rank, from 0.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }
    /// Every rank's `bytes`, in rank order, on every rank.
    func allGather(_ bytes: [UInt8]) throws(ModifierError) -> [[UInt8]]
    /// Every rank's `bytes`, in rank order, on rank `root`; empty on the others.
    func gather(_ bytes: [UInt8], root: Int) throws(ModifierError) -> [[UInt8]]
    /// Rank `root`'s `bytes` on every rank (the others' argument is not read).
    func broadcast(_ bytes: [UInt8], root: Int) throws(ModifierError) -> [UInt8]
}

/// The reducer of a run in one process: every collective gives back what it is given.
public final class SingleProcess: StatisticsReducer {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allGather(_ bytes: [UInt8]) throws(ModifierError) -> [[UInt8]] { [bytes] }
    public func gather(_ bytes: [UInt8], root: Int) throws(ModifierError) -> [[UInt8]] { [bytes] }
    public func broadcast(_ bytes: [UInt8], root: Int) throws(ModifierError) -> [UInt8] { bytes }
}

extension StatisticsReducer {
    /// Every rank's payload, each as a reader, in rank order.
    func allGather(_ payload: StatisticsPayload) throws(ModifierError) -> [StatisticsReader] {
        try allGather(payload.bytes).map(StatisticsReader.init)
    }
}
