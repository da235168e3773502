import Dispatch
import Foundation
import LLMCompressor

/// On SIGINT or SIGTERM, removes the unfinished output folder and exits with 130 or 143, so an
/// interrupted run never leaves an output behind, let alone one that looks complete.
enum InterruptCleanup {
    private static var sources: [DispatchSourceSignal] = []

    /// Installs the handlers for a run writing to `destination`.
    static func install(destination: String) {
        let partial = OutputFolder.workingPath(for: destination)
        for (sig, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                try? FileManager.default.removeItem(atPath: partial)
                log("\ninterrupted: removed the unfinished output \(partial)")
                exit(code)
            }
            source.resume()
            sources.append(source)
        }
    }
}
