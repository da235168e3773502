import Foundation
import Synchronization

/// The number of threads the runtime's kernels run on (eval, generate, calibration's forward
/// passes and GPTQ's solves). OpenBLAS, which only GPTQ's factorizations use, is not among them:
/// it runs on the thread that calls it (see `InverseHessianFactor`).
public enum ComputeThreads {
    private static let count = Atomic<Int>(ProcessInfo.processInfo.activeProcessorCount)

    /// Sets the thread count; `nil` means one per active core of this machine.
    public static func configure(_ count: Int? = nil) {
        self.count.store(max(1, count ?? ProcessInfo.processInfo.activeProcessorCount), ordering: .relaxed)
    }

    /// The thread count in use now.
    public static var current: Int { count.load(ordering: .relaxed) }
}
