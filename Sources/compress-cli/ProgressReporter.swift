import Foundation
import LLMCompressor

/// Shows a run's progress: a redrawn bar on a terminal, or a plain log line every tenth of the
/// work when standard error is a file or a pipe (CI logs). Silent with `--json` or `--quiet`.
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
        let fraction = p.bytesTotal == 0 ? 1 : Double(p.bytesDone) / Double(p.bytesTotal)
        let rate = elapsed > 0 ? Double(p.bytesDone) / elapsed : 0
        let eta = rate > 0 ? Double(p.bytesTotal - p.bytesDone) / rate : 0
        let numbers = "\(p.tensorsDone)/\(p.tensorsTotal) tensors  \(Formatting.bytes(p.bytesDone))/\(Formatting.bytes(p.bytesTotal))  \(Formatting.bytes(Int(rate)))/s  ETA \(Formatting.duration(eta))"
        if interactive {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.1 || p.tensorsDone == p.tensorsTotal else { return }
            lastDraw = now
            let width = 30, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(bar) \(numbers)".utf8))
            if p.tensorsDone == p.tensorsTotal { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let decile = Int(fraction * 10)
            guard decile > lastDecile || p.tensorsDone == p.tensorsTotal else { return }
            lastDecile = decile
            log("quantize: \(Int(fraction * 100))%  \(numbers)")
        }
    }
}
