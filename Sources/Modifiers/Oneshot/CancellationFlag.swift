import Synchronization

/// A request to stop a `oneshot` run, set from any thread (a signal handler's thread, a Python
/// caller's main thread) and checked by the run after every tensor and between calibration
/// samples. A cancelled run throws `ModifierError.cancelled` and leaves no output, as any failed
/// run does.
public final class CancellationFlag: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    /// Asks the run to stop at its next check. Safe from any thread, any number of times.
    public func cancel() { requested.store(true, ordering: .relaxed) }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { requested.load(ordering: .relaxed) }

    /// Throws `ModifierError.cancelled` once `cancel()` was called.
    public func check() throws(ModifierError) {
        if isCancelled { throw .cancelled }
    }
}
