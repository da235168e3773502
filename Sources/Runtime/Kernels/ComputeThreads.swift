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

    /// The thread count in use now.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
