import Foundation
import LLMCompressor

/// Shows a run's progress: one line redrawn in place on a terminal, fitted to its width, or a
/// plain log line every tenth of the work when standard error is a file or a pipe (CI logs).
/// Silent with `--json` or `--quiet`.
final class ProgressReporter {
    private let interactive: Bool
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = 0

    init(enabled: Bool) {
        self.enabled = enabled
        interactive = isatty(STDERR_FILENO) != 0
    }

    func step(_ message: String) {
        guard enabled else { return }
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        log(message)
    }

    func update(_ p: OneshotProgress) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let finished = p.tensorsDone == p.tensorsTotal
        if interactive {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.1 || finished else { return }
            lastDraw = now
            let line = ProgressLine.render(p, elapsed: elapsed, width: Self.terminalWidth())
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)\(finished ? "\n" : "")".utf8))
        } else {
            let fraction = p.bytesTotal == 0 ? 1 : Double(p.bytesDone) / Double(p.bytesTotal)
            let decile = Int(fraction * 10)
            guard decile > lastDecile || finished else { return }
            lastDecile = decile
            log("quantize: \(Int(fraction * 100))%  " + ProgressLine.parts(p, elapsed: elapsed).joined(separator: "  "))
        }
    }

    /// The columns of the terminal on standard error, read at each draw so that a resized window
    /// is followed; 80 when it cannot be told.
    static func terminalWidth() -> Int {
        var size = winsize()
        let status = withUnsafeMutablePointer(to: &size) { ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), $0) }
        return status == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }
}
