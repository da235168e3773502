import Foundation

/// What a calibration file holds: plain text or JSON Lines.
public enum CalibrationDataFormat: String, CaseIterable, Sendable {
    /// Plain text: a sample per line, or windows over the whole text (`CalibrationTextSamples`).
    case txt
    /// JSON Lines: one record per line.
    case jsonl
}

/// How to read a calibration file: its content as declared, else told by its name (`.txt` or
/// `.jsonl`, optionally followed by `.zst` or `.zstd`), else by its first bytes.
struct CalibrationFormat {
    let content: CalibrationDataFormat
    /// Whether the name ends in `.zst` or `.zstd`.
    let isNamedCompressed: Bool

    /// Bytes read, at most, to find the first byte that is not white space.
    static let sniffLimit = 1 << 20

    init(path: String, declared: CalibrationDataFormat?) throws(TokenizerError) {
        var name = (path as NSString).lastPathComponent.lowercased()
        let compressedSuffix = [".zst", ".zstd"].first { name.hasSuffix($0) }
        if let compressedSuffix { name.removeLast(compressedSuffix.count) }
        isNamedCompressed = compressedSuffix != nil
        if let declared {
            content = declared
        } else if name.hasSuffix(".txt") {
            content = .txt
        } else if name.hasSuffix(".jsonl") {
            content = .jsonl
        } else {
            content = try Self.sniff(try openByteReader(path: path, namedCompressed: isNamedCompressed))
        }
    }

    /// JSON Lines when the first byte (after decompression and a UTF-8 byte order mark) that is
    /// not white space is `{`, else plain text.
    static func sniff(_ reader: ByteReader) throws(TokenizerError) -> CalibrationDataFormat {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        let whiteSpace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        var read = 0
        while read < sniffLimit {
            let count = try reader.read(into: buffer)
            guard count > 0 else { break }
            var bytes = buffer[..<count]
            if read == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            read += count
            if let first = bytes.first(where: { !whiteSpace.contains($0) }) {
                return first == UInt8(ascii: "{") ? .jsonl : .txt
            }
        }
        return .txt
    }
}
