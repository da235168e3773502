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
    /// For a launcher's ranks other than the one finishing the output: how many seconds to wait
    /// for that rank to create the parts folder, which this part then never creates (so that a
    /// rank starting or failing after the finishing rank removed it leaves nothing behind). Nil:
    /// the part creates the folder when it is missing.
    public let waitsForPartsFolder: Double?

    public init(part: Int, count: Int, rank: Int? = nil, stopsWhenAnotherFails: Bool = false, tool: String,
                waitsForPartsFolder: Double? = nil) {
        self.part = part
        self.count = count
        self.rank = rank
        self.stopsWhenAnotherFails = stopsWhenAnotherFails
        self.tool = tool
        self.waitsForPartsFolder = waitsForPartsFolder
    }
}
