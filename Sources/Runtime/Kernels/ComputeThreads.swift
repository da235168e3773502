import COpenBLAS
import Foundation

/// The number of threads the runtime's kernels (and OpenBLAS, which calibration uses) run on; kept
/// as OpenBLAS's thread count.
public enum ComputeThreads {
    /// Sets the thread count; `nil` means one per active core of this machine.
    public static func configure(_ count: Int? = nil) {
        let wanted = max(1, count ?? ProcessInfo.processInfo.activeProcessorCount)
        openblas_set_num_threads(Int32(wanted))
    }

    /// Runs `body` with OpenBLAS on one thread, then restores the thread count. OpenBLAS's LAPACK
    /// factorizations (`spotrf`, `spotri`) round differently on different thread counts (on 1 and
    /// 2 threads most entries of a 576-column Cholesky factor differ in their last bits), so
    /// calibration factors on one thread: its results then do not depend on `--threads` or on how
    /// many MPI ranks share the work. Not for concurrent use with other OpenBLAS calls.
    public static func singleThreaded<T>(_ body: () -> T) -> T {
        let previous = openblas_get_num_threads()
        guard previous != 1 else { return body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return body()
    }

    /// The thread count in use now.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
