import Foundation
import LLMCompressor
import Synchronization

/// Ends every command at once on SIGINT, SIGTERM, SIGHUP or SIGPIPE (a closed pipe, as in
/// `compress ... | head`), with exit code 128 + the signal (130, 143, 129, 141), after removing the
/// unfinished output of a run that writes one (`protect`), so that an interrupted run never
/// leaves an output behind, let alone one that looks complete.
///
/// The handler uses async-signal-safe calls only and ends the process with `_exit`: `exit` would
/// run the atexit handlers, and OpenBLAS's waits for worker threads that the main thread is still
/// using, so the run would go on. A signal that arrives while an output is being swapped into
/// place is deferred until it is (`CommitGate`); a second signal while the first one cleans up
/// ends the process at once.
enum InterruptCleanup {
    static let signals = [SIGINT, SIGTERM, SIGHUP, SIGPIPE]
    /// The output to remove, published for the handler, which may run on any thread.
    private static let output = Atomic<UnsafeMutablePointer<UnfinishedOutput>?>(nil)

    /// Installs the handlers and unblocks the signals, which a parent may have left blocked (the
    /// mask is inherited: a process started from a Dispatch worker thread has them blocked);
    /// called before any command runs.
    static func install() {
        CommitGate.prepare()
        _ = output.load(ordering: .relaxed)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { InterruptCleanup.handle($0) }
        sigemptyset(&action.sa_mask)
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals {
            sigaction(signal, &action, nil)
            sigaddset(&mask, signal)
        }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// Removes `unfinished` if a signal ends the run.
    static func protect(_ unfinished: UnfinishedOutput) {
        let stored = UnsafeMutablePointer<UnfinishedOutput>.allocate(capacity: 1)
        stored.initialize(to: unfinished)
        output.store(stored, ordering: .releasing)
    }

    private static func handle(_ signal: Int32) {
        let code = 128 + signal
        switch CommitGate.claim(signal: signal) {
        case .deferred:
            return
        case .alreadyStopping:
            _exit(code)
        case .stop:
            if let unfinished = output.load(ordering: .acquiring)?.pointee, unfinished.remove(), signal != SIGPIPE {
                _ = write(STDERR_FILENO, unfinished.notice.baseAddress, unfinished.notice.count)
            }
            _exit(code)
        }
    }
}
