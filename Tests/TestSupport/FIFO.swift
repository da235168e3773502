import Foundation

/// A FIFO (named pipe) standing where a test expects a file, with a watchdog for the code that
/// should refuse it: opening a FIFO for reading waits for a writer, so code that wrongly opens it
/// would hang the test for ever. `run` opens the FIFO for writing once its patience is spent,
/// which releases such code (in this process or a child), and reports that it had to.
public final class FIFO {
    public let path: String

    /// Makes the FIFO at `path`.
    public init(_ path: String) throws {
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        self.path = path
    }

    /// Runs `body` and returns its result, and whether it was still running after `patience` seconds,
    /// when the watchdog starts releasing readers blocked on the FIFO (code that refuses the FIFO
    /// returns at once).
    public func run<T>(patience: Double = 10, _ body: () throws -> T) rethrows -> (result: T, blocked: Bool) {
        let watchdog = Watchdog(path: path)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            guard finished.wait(timeout: .now() + patience) == .timedOut else { return }
            watchdog.releaseReaders()
        }
        defer {
            watchdog.stop()
            finished.signal()
        }
        let result = try body()
        return (result, watchdog.released)
    }

    /// Opens the FIFO for writing, again and again until stopped.
    private final class Watchdog: @unchecked Sendable {
        let path: String
        private let lock = NSLock()
        private var stopped = false
        private var started = false

        init(path: String) { self.path = path }

        /// Whether `releaseReaders` started before `stop`: the body had not returned by then.
        var released: Bool { lock.withLock { started } }

        func stop() { lock.withLock { stopped = true } }

        func releaseReaders() {
            // Set before the first open, which lets a waiting reader return.
            guard lock.withLock({ () -> Bool in started = !stopped; return started }) else { return }
            while !lock.withLock({ stopped }) {
                // Without a reader waiting, a non-blocking open for writing fails (ENXIO).
                let descriptor = open(path, O_WRONLY | O_NONBLOCK)
                if descriptor >= 0 { close(descriptor) }
                usleep(20_000)
            }
        }
    }
}
