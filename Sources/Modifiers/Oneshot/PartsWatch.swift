import Checkpoint
import Foundation

/// Watches the parts folder of a split run, at most once a second, from a part's progress
/// step, so that a part stops within seconds once another has failed or the finishing process
/// has removed the folder.
final class PartsWatch {
    private let parts: PartsFolder
    private let output: String
    private var lastLook = Date()
    /// Whether the watch stopped the part.
    private(set) var stopped = false

    init(parts: PartsFolder, output: String) {
        self.parts = parts
        self.output = output
    }

    func check() throws(ModifierError) {
        guard Date().timeIntervalSince(lastLook) >= 1 else { return }
        lastLook = Date()
        let reason: String
        if !parts.exists {
            reason = "stopped: the parts folder \(parts.path) was removed"
        } else if let failure = (try? parts.records())?.values.sorted(by: { $0.part < $1.part }).lazy.compactMap(\.failure).first {
            reason = "stopped: \(failure)"
        } else {
            return
        }
        stopped = true
        throw .checkpoint(.outputFailed(path: output, reason: reason))
    }
}
