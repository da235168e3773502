import Foundation

/// Open MPI's C library (`libmpi.so.40`, Debian's libopenmpi3), loaded with `dlopen` when a run
/// needs it, so that `compress` builds without MPI and runs in one process where it is not
/// installed. Open MPI's predefined handles are the addresses of its global objects
/// (`MPI_COMM_WORLD` is `&ompi_mpi_comm_world`), found with `dlsym` like its functions.
///
/// Counts are C `int`s: callers split larger transfers (``MPIReducer``).
final class OpenMPI {
    typealias Handle = UnsafeMutableRawPointer
    private typealias Initialize = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
    private typealias CommunicatorInteger = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    private typealias GatherToAll = @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?,
                                                    UnsafePointer<Int32>?, UnsafePointer<Int32>?, Handle, Handle) -> Int32
    private typealias GatherToRoot = @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?,
                                                     UnsafePointer<Int32>?, UnsafePointer<Int32>?, Handle, Int32, Handle) -> Int32
    private typealias Broadcast = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
    private typealias Abort = @convention(c) (Handle, Int32) -> Int32
    private typealias Finalize = @convention(c) () -> Int32

    /// The soname Debian's Open MPI 4 and 5 packages install.
    static let libraryName = "libmpi.so.40"

    /// `MPI_COMM_WORLD` and `MPI_BYTE`.
    let world: Handle
    let byte: Handle
    private let initialize: Initialize
    private let commRank: CommunicatorInteger
    private let commSize: CommunicatorInteger
    private let allGatherV: GatherToAll
    private let gatherV: GatherToRoot
    private let broadcastBytes: Broadcast
    private let abortJob: Abort
    private let finalizeJob: Finalize

    /// Loads the library (with `RTLD_GLOBAL`: Open MPI's own plugins resolve its symbols) and its functions.
    init() throws(ModifierError) {
        guard let library = dlopen(Self.libraryName, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw .mpi("calibrating over MPI ranks needs Open MPI's \(Self.libraryName) (Debian: openmpi-bin), which cannot be loaded: \(reason)")
        }
        func symbol(_ name: String) throws(ModifierError) -> Handle {
            guard let address = dlsym(library, name) else {
                throw .mpi("\(Self.libraryName) has no \(name): calibrating over MPI ranks needs Open MPI")
            }
            return address
        }
        func function<F>(_ name: String, as type: F.Type) throws(ModifierError) -> F {
            unsafeBitCast(try symbol(name), to: type)
        }
        world = try symbol("ompi_mpi_comm_world")
        byte = try symbol("ompi_mpi_byte")
        initialize = try function("MPI_Init", as: Initialize.self)
        commRank = try function("MPI_Comm_rank", as: CommunicatorInteger.self)
        commSize = try function("MPI_Comm_size", as: CommunicatorInteger.self)
        allGatherV = try function("MPI_Allgatherv", as: GatherToAll.self)
        gatherV = try function("MPI_Gatherv", as: GatherToRoot.self)
        broadcastBytes = try function("MPI_Bcast", as: Broadcast.self)
        abortJob = try function("MPI_Abort", as: Abort.self)
        finalizeJob = try function("MPI_Finalize", as: Finalize.self)
    }

    /// Joins the job; returns this process's rank and the number of ranks.
    func start() throws(ModifierError) -> (rank: Int, size: Int) {
        try check(initialize(nil, nil), "MPI_Init")
        var rank: Int32 = 0, size: Int32 = 0
        try check(commRank(world, &rank), "MPI_Comm_rank")
        try check(commSize(world, &size), "MPI_Comm_size")
        return (Int(rank), Int(size))
    }

    /// `MPI_Allgatherv` of bytes: `counts[r]` bytes from rank r at `displacements[r]` of `into`.
    func allGather(_ bytes: UnsafeRawPointer?, count: Int32, into: UnsafeMutableRawPointer?,
                   counts: [Int32], displacements: [Int32]) throws(ModifierError) {
        try check(allGatherV(bytes, count, byte, into, counts, displacements, byte, world), "MPI_Allgatherv")
    }

    /// `MPI_Gatherv` of bytes onto `root` (`into`, `counts` and `displacements` are read there only).
    func gather(_ bytes: UnsafeRawPointer?, count: Int32, into: UnsafeMutableRawPointer?,
                counts: [Int32], displacements: [Int32], root: Int) throws(ModifierError) {
        try check(gatherV(bytes, count, byte, into, counts, displacements, byte, Int32(root), world), "MPI_Gatherv")
    }

    /// `MPI_Bcast` of `count` bytes at `bytes` from `root`.
    func broadcast(_ bytes: UnsafeMutableRawPointer?, count: Int32, root: Int) throws(ModifierError) {
        try check(broadcastBytes(bytes, count, byte, Int32(root), world), "MPI_Bcast")
    }

    /// Ends every rank of the job with exit code `code`.
    func abort(code: Int32) {
        _ = abortJob(world, code)
    }

    func finalize() {
        _ = finalizeJob()
    }

    private func check(_ status: Int32, _ function: String) throws(ModifierError) {
        guard status != 0 else { return }
        throw .mpi("\(function) failed with Open MPI error \(status)")
    }
}
