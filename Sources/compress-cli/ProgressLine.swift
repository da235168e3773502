import LLMCompressor

/// The text of a run's progress: a bar and numbers fitted to a terminal's width, or the numbers
/// alone for a log.
enum ProgressLine {
    /// The columns the bar gets when the terminal has room, and the fewest it is drawn with.
    static let widestBar = 30
    static let narrowestBar = 10

    /// The numbers, most important first: tensors, bytes, rate, time left.
    static func parts(_ p: OneshotProgress, elapsed: Double) -> [String] {
        let rate = elapsed > 0 ? Double(p.bytesDone) / elapsed : 0
        let eta = rate > 0 ? Double(p.bytesTotal - p.bytesDone) / rate : 0
        return ["\(p.tensorsDone)/\(p.tensorsTotal) tensors", "\(Formatting.bytes(p.bytesDone))/\(Formatting.bytes(p.bytesTotal))",
                "\(Formatting.bytes(Int(rate)))/s", "ETA \(Formatting.duration(eta))"]
    }

    /// The line for `p` after `elapsed` seconds, at most `width - 1` columns, so that the terminal
    /// never wraps it and a carriage return redraws it in place: the bar, then as many numbers as
    /// fit; without room for a bar, the numbers alone, cut to the width.
    static func render(_ p: OneshotProgress, elapsed: Double, width: Int) -> String {
        let limit = max(1, width - 1)
        let all = parts(p, elapsed: elapsed)
        let fraction = p.bytesTotal == 0 ? 1 : min(1, Double(p.bytesDone) / Double(p.bytesTotal))
        for count in stride(from: all.count, through: 1, by: -1) {
            let numbers = all.prefix(count).joined(separator: "  ")
            let barWidth = min(widestBar, limit - numbers.count - 1)
            guard barWidth >= narrowestBar else { continue }
            let filled = Int(fraction * Double(barWidth))
            return String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled) + " " + numbers
        }
        return String(all[0].prefix(limit))
    }
}
