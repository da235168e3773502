import Checkpoint
import Foundation

/// Bytes read front to back from a calibration file: as they are stored, or decompressed.
protocol ByteReader: AnyObject {
    /// Fills the start of `buffer` and returns how many bytes it wrote; 0 only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TokenizerError) -> Int
}

/// Opens `path` for reading front to back, decompressing it when it starts with a zstd frame
/// (the magic number, or that of a skippable frame), whatever its name.
/// - Throws: when it cannot be opened, or is named `.zst`/`.zstd` but is not zstd.
func openByteReader(path: String, namedCompressed: Bool) throws(TokenizerError) -> ByteReader {
    let file: MappedFile
    do {
        file = try MappedFile(path: path)
    } catch {
        throw .unreadable(path, error)
    }
    if ZstdReader.startsWithFrame(file.bytes) { return try ZstdReader(file) }
    if namedCompressed { throw .calibrationData(file: path, line: nil, reason: "named as zstd-compressed, but does not start with a zstd frame") }
    return MappedFileReader(file)
}

/// A file's bytes as they are, copied out of its memory map; pages already read are dropped
/// from the resident set as the reading goes on.
final class MappedFileReader: ByteReader {
    private let file: MappedFile
    private var offset = 0
    private var released = 0
    /// Pages behind the reading position are released in steps of this size.
    static let releaseStep = 16 << 20

    init(_ file: MappedFile) { self.file = file }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TokenizerError) -> Int {
        let count = min(buffer.count, file.bytes.count - offset)
        guard count > 0 else { return 0 }
        buffer.baseAddress!.copyMemory(from: file.bytes.baseAddress! + offset, byteCount: count)
        offset += count
        if offset - released >= Self.releaseStep {
            file.release(released..<offset)
            released = offset
        }
        return count
    }
}
