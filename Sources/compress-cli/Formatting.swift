import Foundation
import LLMCompressor

/// Human-readable quantities for terminal output.
enum Formatting {
    /// "1.23 GB", "512 KB" (decimal units).
    static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.2f %@", value, units[unit])
    }

    /// "removed 2 unfinished outputs left by killed runs (961.00 MB)", and the set-aside output put back.
    static func leftovers(_ cleaned: OutputLeftovers) -> String {
        var parts: [String] = []
        if cleaned.restored { parts.append("put back the previous output, which a run killed while replacing it had set aside") }
        if cleaned.removed > 0 {
            parts.append("removed \(cleaned.removed) unfinished output\(cleaned.removed == 1 ? "" : "s") left by killed runs (\(bytes(cleaned.bytes)))")
        }
        return parts.joined(separator: "; ")
    }

    /// "1.10 B", "135 M" parameters.
    static func count(_ n: Int) -> String {
        if n >= 1_000_000_000 { return String(format: "%.2f B", Double(n) / 1e9) }
        if n >= 1_000_000 { return String(format: "%.1f M", Double(n) / 1e6) }
        if n >= 1_000 { return String(format: "%.1f K", Double(n) / 1e3) }
        return String(n)
    }

    /// "1.2 s", "3m05s".
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.2f s", seconds) }
        return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }
}
