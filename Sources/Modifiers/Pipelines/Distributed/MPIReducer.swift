import Foundation

/// The ranks of an MPI launcher (`mpirun`, `srun`) calibrating one model together, through Open
/// MPI loaded at run time (``OpenMPI``). Collectives move bytes only; every combination of what
/// they bring is done by the caller in rank order, so that results do not depend on MPI's
/// reduction order. Transfers past a C `int` of bytes go in several rounds.
public final class MPIReducer: StatisticsReducer, @unchecked Sendable {
    /// What went through the collectives of this rank so far.
    public struct Traffic: Sendable {
        public var collectives = 0
        /// Bytes this rank contributed, and bytes it received (its own included).
        public var bytesSent = 0
        public var bytesReceived = 0
        /// Time spent in collectives: waiting for the slowest rank and moving the bytes.
        public var seconds = 0.0
    }

    public let rank: Int
    public let size: Int
    /// This machine's host name, which errors name.
    public let host: String
    public private(set) var traffic = Traffic()
    private let mpi: OpenMPI

    /// Bytes one collective moves at most (a C `int`).
    private static let roundBytes = Int(Int32.max)

    /// Loads Open MPI and joins the job, whose rank and size must be the launcher's
    /// (`launcherRank` of `launcherSize`, from its environment).
    public init(launcherRank: Int, launcherSize: Int) throws(ModifierError) {
        mpi = try OpenMPI()
        (rank, size) = try mpi.start()
        var name = [CChar](repeating: 0, count: 256)
        host = gethostname(&name, name.count - 1) == 0 ? String(cString: name) : "unknown host"
        guard rank == launcherRank, size == launcherSize else {
            throw .mpi("MPI gives rank \(rank) of \(size) where the launcher's environment says rank \(launcherRank) of \(launcherSize)")
        }
    }

    public func allGather(_ bytes: [UInt8]) throws(ModifierError) -> [[UInt8]] {
        try exchange(bytes, root: nil)
    }

    public func gather(_ bytes: [UInt8], root: Int) throws(ModifierError) -> [[UInt8]] {
        try exchange(bytes, root: root)
    }

    public func broadcast(_ bytes: [UInt8], root: Int) throws(ModifierError) -> [UInt8] {
        let start = Date()
        var length = Int64(bytes.count)
        try typed { try withUnsafeMutableBytes(of: &length) { try mpi.broadcast($0.baseAddress, count: 8, root: root) } }
        var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length))
        try typed {
            try buffer.withUnsafeMutableBytes { raw in
                for offset in stride(from: 0, to: raw.count, by: Self.roundBytes) {
                    try mpi.broadcast(raw.baseAddress! + offset, count: Int32(Swift.min(Self.roundBytes, raw.count - offset)), root: root)
                }
            }
        }
        record(sent: rank == root ? buffer.count : 0, received: rank == root ? 0 : buffer.count, since: start)
        return buffer
    }

    /// Ends every rank of the job with exit code `code` (`MPI_Abort`).
    public func abort(code: Int32) -> Never {
        mpi.abort(code: code)
        _exit(code)
    }

    /// Leaves the job (`MPI_Finalize`) after a run that succeeded on this rank.
    public func finish() {
        mpi.finalize()
    }

    /// Every rank's bytes in rank order, on every rank (`root` nil) or on `root` (empty elsewhere).
    private func exchange(_ bytes: [UInt8], root: Int?) throws(ModifierError) -> [[UInt8]] {
        let start = Date()
        let counts = try lengths(bytes.count)
        let receives = root == nil || root == rank
        var results = [[UInt8]](repeating: [], count: size)
        let chunk = Swift.max(1, Self.roundBytes / size)
        let rounds = counts.map { ($0 + chunk - 1) / chunk }.max() ?? 0
        for k in 0..<rounds {
            let pieces = counts.map { Int32(Swift.max(0, Swift.min(chunk, $0 - k * chunk))) }
            var displacements: [Int32] = []
            var total: Int32 = 0
            for piece in pieces {
                displacements.append(total)
                total += piece
            }
            var buffer = [UInt8](repeating: 0, count: receives ? Int(total) : 0)
            let offset = Swift.min(k * chunk, bytes.count)
            try typed {
                try bytes.withUnsafeBytes { mine in
                    try buffer.withUnsafeMutableBytes { out in
                        let send = mine.baseAddress.map { UnsafeRawPointer($0 + offset) }
                        if let root {
                            try mpi.gather(send, count: pieces[rank], into: out.baseAddress, counts: pieces, displacements: displacements, root: root)
                        } else {
                            try mpi.allGather(send, count: pieces[rank], into: out.baseAddress, counts: pieces, displacements: displacements)
                        }
                    }
                }
            }
            guard receives else { continue }
            for r in 0..<size { results[r].append(contentsOf: buffer[Int(displacements[r])..<Int(displacements[r] + pieces[r])]) }
        }
        record(sent: bytes.count, received: receives ? counts.reduce(0, +) : 0, since: start)
        return receives ? results : []
    }

    /// Every rank's byte count, on every rank.
    private func lengths(_ count: Int) throws(ModifierError) -> [Int] {
        var mine = Int64(count)
        var all = [Int64](repeating: 0, count: size)
        let eight = [Int32](repeating: 8, count: size)
        let offsets = (0..<size).map { Int32($0 * 8) }
        try typed {
            try withUnsafeBytes(of: &mine) { send in
                try all.withUnsafeMutableBytes { out in
                    try mpi.allGather(send.baseAddress, count: 8, into: out.baseAddress, counts: eight, displacements: offsets)
                }
            }
        }
        return all.map { Int($0) }
    }

    /// Runs `body`, whose errors are `ModifierError`s thrown through the standard library's
    /// untyped buffer closures.
    private func typed<R>(_ body: () throws -> R) throws(ModifierError) -> R {
        do { return try body() } catch let error as ModifierError { throw error } catch { throw .mpi("\(error)") }
    }

    private func record(sent: Int, received: Int, since start: Date) {
        traffic.collectives += 1
        traffic.bytesSent += sent
        traffic.bytesReceived += received
        traffic.seconds += Date().timeIntervalSince(start)
    }
}
