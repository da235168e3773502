import Foundation
import Synchronization

/// Orders `OutputFolder.commit`, which swaps the finished folder with an existing output, against
/// a signal handler that removes the unfinished output and ends the process. A handler that fires
/// while the folders are being swapped defers its signal until they are, so that an interrupted
/// replace leaves the old output or the new one, never neither. Every member a handler calls is
/// async-signal-safe: it only touches one atomic word.
public enum CommitGate {
    /// What a signal handler should do, decided by `claim(signal:)`.
    public enum Claim {
        /// Nothing else is under way: clean up and end the process.
        case stop
        /// The folders are being swapped: return; the signal is raised again once they are.
        case deferred
        /// Another handler is already cleaning up: end the process now.
        case alreadyStopping
    }

    /// Low byte: `idle`, `swapping` or `stopping`; above it, while swapping, a deferred signal.
    private static let state = Atomic<Int>(0)
    private static let idle = 0, swapping = 1, stopping = 2

    /// Makes sure the state exists before a handler can run: its first use may take a lock.
    public static func prepare() {
        _ = state.load(ordering: .relaxed)
    }

    /// Called by a handler of `signal` before it touches the output.
    public static func claim(signal: Int32) -> Claim {
        var current = state.load(ordering: .acquiring)
        while true {
            let desired: Int
            switch current & 0xFF {
            case idle: desired = stopping
            case swapping where current >> 8 != 0: return .deferred
            case swapping: desired = Int(signal) << 8 | swapping
            default: return .alreadyStopping
            }
            let (exchanged, original) = state.compareExchange(expected: current, desired: desired, ordering: .acquiringAndReleasing)
            if exchanged { return desired == stopping ? .stop : .deferred }
            current = original
        }
    }

    /// Runs `swap` with signals deferred, then raises the one deferred meanwhile, if any. Waits
    /// for another output's swap to end; when a handler is already ending the process, waits for
    /// it to: the swap must not start.
    static func deferringSignals<T>(_ swap: () -> T) -> T {
        while true {
            let (exchanged, original) = state.compareExchange(expected: idle, desired: swapping, ordering: .acquiringAndReleasing)
            if exchanged { break }
            if original & 0xFF == stopping { while true { pause() } }
            usleep(1_000)
        }
        let result = swap()
        let previous = state.exchange(idle, ordering: .acquiringAndReleasing)
        if previous >> 8 != 0 { raise(Int32(previous >> 8)) }
        return result
    }
}
