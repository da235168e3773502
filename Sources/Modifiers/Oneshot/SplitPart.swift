/// Which part of a data-free run split over processes this process writes
/// (`Compressor.runPart`), and how it is run.
public struct SplitPart: Sendable {
    /// The part, from 1, and the number of parts.
    public let part: Int
    public let count: Int
    /// The MPI rank writing it under an MPI launcher, for records and messages.
    public let rank: Int?
    /// Whether to stop, without recording a failure of its own, once another part has failed:
    /// MPI ranks run together and share the failure; CI matrix jobs do not watch each other.
    public let stopsWhenAnotherFails: Bool
    /// The version of the tool writing it: parts of different versions do not make one output.
    public let tool: String

    public init(part: Int, count: Int, rank: Int? = nil, stopsWhenAnotherFails: Bool = false, tool: String) {
        self.part = part
        self.count = count
        self.rank = rank
        self.stopsWhenAnotherFails = stopsWhenAnotherFails
        self.tool = tool
    }
}
