import Foundation

/// What a calibration file holds, told by its name: `.txt` or `.jsonl`, optionally followed by
/// `.zst` or `.zstd`.
struct CalibrationFormat {
    enum Content {
        /// `.txt`: one text, cut into windows.
        case plainText
        /// `.jsonl`: one record per line.
        case jsonLines
    }

    let content: Content
    /// Whether the name ends in `.zst` or `.zstd`.
    let isNamedCompressed: Bool

    init(path: String) throws(RuntimeError) {
        var name = (path as NSString).lastPathComponent.lowercased()
        let compressedSuffix = [".zst", ".zstd"].first { name.hasSuffix($0) }
        if let compressedSuffix { name.removeLast(compressedSuffix.count) }
        isNamedCompressed = compressedSuffix != nil
        if name.hasSuffix(".txt") {
            content = .plainText
        } else if name.hasSuffix(".jsonl") {
            content = .jsonLines
        } else {
            throw .calibrationData(file: path, line: nil, reason: "unsupported file name: expected .txt or .jsonl, optionally followed by .zst")
        }
    }
}
