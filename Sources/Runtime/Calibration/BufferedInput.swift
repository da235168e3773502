import Foundation

/// The bytes of a calibration file, buffered and handed out line by line (JSON Lines) or in
/// pieces of at most a given size (plain text), with line numbers for error messages.
///
/// Memory is bounded: a line handed out whole longer than `maxLineLength` is refused, and reading
/// stops after `byteLimit` bytes, at the last line break before it (`stoppedAtLimit` then tells so).
final class BufferedInput {
    /// The longest line `nextLine` accepts, line break excluded.
    static let maxLineLength = 64 << 20
    private static let readSize = 1 << 20

    let file: String
    /// The number of the last line handed out (1-based); lines handed out so far.
    private(set) var lineNumber = 0
    /// Bytes handed out so far.
    private(set) var bytesRead = 0
    /// Whether the reading stopped at `byteLimit` before the end of the file.
    private(set) var stoppedAtLimit = false

    private let reader: ByteReader
    private let byteLimit: Int
    private var bytesBuffered = 0
    private var storage: UnsafeMutableRawBufferPointer
    /// The unread bytes are `storage[start..<end]`.
    private var start = 0
    private var end = 0
    /// No byte of `storage[start..<start + scanned]` is a line break.
    private var scanned = 0
    private var atEnd = false

    init(reader: ByteReader, file: String, byteLimit: Int) {
        self.reader = reader
        self.file = file
        self.byteLimit = byteLimit
        storage = .allocate(byteCount: 4 * Self.readSize, alignment: 16)
    }

    deinit { storage.deallocate() }

    private var unread: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[start..<end]) }

    /// The next line, without its line break (the last line may lack one); nil at the end.
    /// The bytes are valid until the next call.
    func nextLine() throws(RuntimeError) -> UnsafeRawBufferPointer? {
        guard let length = try firstLineLength() else { return nil }
        let hasBreak = storage[start + length - 1] == UInt8(ascii: "\n")
        let line = UnsafeRawBufferPointer(rebasing: storage[start..<start + length - (hasBreak ? 1 : 0)])
        hand(length)
        return line
    }

    /// A stretch of whole lines with the number of its first line.
    struct Piece {
        /// The lines, line breaks included; valid until the next call of `nextPiece`.
        var bytes: UnsafeRawBufferPointer
        var firstLine: Int

        /// The number of the line that holds `offset`.
        func line(atOffset offset: Int) -> Int {
            firstLine + BufferedInput.lineBreaks(in: UnsafeRawBufferPointer(rebasing: bytes[..<offset]))
        }
    }

    /// The next stretch of text, nil at the end: whole lines where it can. It ends at the first
    /// safe cut at or after `preferredSize` bytes and before `maximumSize`: a line break, else a
    /// space, with a printable ASCII character on each side (the piece ends after such a line
    /// break, before such a space). Without one, it ends at the end of the input when that comes
    /// before `maximumSize`, else at the last line break before `maximumSize`, else (a line longer
    /// than that) at the last character boundary before `maximumSize`.
    func nextPiece(preferredSize: Int, maximumSize: Int) throws(RuntimeError) -> Piece? {
        try fill(atLeast: maximumSize + 1)
        let bytes = unread
        guard !bytes.isEmpty else { return nil }
        let limit = min(maximumSize, bytes.count - 1)
        let length: Int
        if let cut = safeCut(in: bytes, at: UInt8(ascii: "\n"), from: preferredSize, before: limit) {
            length = cut + 1
        } else if let cut = safeCut(in: bytes, at: UInt8(ascii: " "), from: preferredSize, before: limit) {
            length = cut
        } else if atEnd && bytes.count <= maximumSize {
            length = bytes.count
        } else if let last = lastLineBreak(before: min(maximumSize, bytes.count)) {
            length = last + 1
        } else {
            length = Self.characterBoundary(in: bytes, before: maximumSize)
        }
        let piece = Piece(bytes: UnsafeRawBufferPointer(rebasing: storage[start..<start + length]), firstLine: lineNumber + 1)
        let breaks = Self.lineBreaks(in: piece.bytes)
        let endsInput = atEnd && length == bytes.count
        hand(length, lines: piece.bytes.last != UInt8(ascii: "\n") && endsInput ? breaks + 1 : breaks)
        return piece
    }

    /// The length of the first unread line, its line break included; nil when nothing is left.
    private func firstLineLength() throws(RuntimeError) -> Int? {
        while true {
            let newline = firstLineBreak(from: scanned, before: min(end - start, Self.maxLineLength + 1))
            guard newline != nil || end - start <= Self.maxLineLength else {
                throw .calibrationData(file: file, line: lineNumber + 1, reason: "line longer than \(Self.maxLineLength >> 20) MiB")
            }
            if let newline { return newline + 1 }
            scanned = end - start
            if atEnd { return end > start ? end - start : nil }
            try fill(atLeast: end - start + Self.readSize)
        }
    }

    /// Marks `count` bytes as handed out, holding `lines` lines.
    private func hand(_ count: Int, lines: Int = 1) {
        start += count
        bytesRead += count
        lineNumber += lines
        scanned = 0
    }

    private func firstLineBreak(from offset: Int, before limit: Int) -> Int? {
        guard offset < limit, let found = memchr(storage.baseAddress! + start + offset, 0x0A, limit - offset) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(storage.baseAddress! + start)
    }

    private func lastLineBreak(before limit: Int) -> Int? {
        var last: Int?
        while let found = firstLineBreak(from: last.map { $0 + 1 } ?? 0, before: limit) { last = found }
        return last
    }

    /// The first `separator` at or after `offset` and before `limit` with a printable ASCII
    /// character on each side (`limit` < `bytes.count`, so the right side is in `bytes`).
    private func safeCut(in bytes: UnsafeRawBufferPointer, at separator: UInt8, from offset: Int, before limit: Int) -> Int? {
        var position = max(offset, 1)
        while position < limit, let found = memchr(bytes.baseAddress! + position, Int32(separator), limit - position) {
            let index = UnsafeRawPointer(found) - bytes.baseAddress!
            if Self.isPrintable(bytes[index - 1]) && Self.isPrintable(bytes[index + 1]) { return index }
            position = index + 1
        }
        return nil
    }

    /// The largest offset at most `limit` (and above 0, if any) where a UTF-8 character starts.
    private static func characterBoundary(in bytes: UnsafeRawBufferPointer, before limit: Int) -> Int {
        var boundary = limit
        while boundary > 1 && bytes[boundary] & 0xC0 == 0x80 { boundary -= 1 }
        return boundary
    }

    private static func isPrintable(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    /// The number of line breaks in `bytes`.
    static func lineBreaks(in bytes: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var position = 0
        while position < bytes.count, let found = memchr(bytes.baseAddress! + position, 0x0A, bytes.count - position) {
            count += 1
            position = UnsafeRawPointer(found) - bytes.baseAddress! + 1
        }
        return count
    }

    /// Reads until at least `count` bytes are unread, or the input (or `byteLimit`) ends.
    private func fill(atLeast count: Int) throws(RuntimeError) {
        while end - start < count && !atEnd {
            if start + count > storage.count {
                if count <= storage.count {
                    memmove(storage.baseAddress!, storage.baseAddress! + start, end - start)
                } else {
                    let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 2 * storage.count), alignment: 16)
                    larger.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: end - start)
                    storage.deallocate()
                    storage = larger
                }
                end -= start
                start = 0
            }
            let room = min(storage.count - end, byteLimit - bytesBuffered)
            guard room > 0 else {
                try stopAtLimit()
                return
            }
            let got = try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end..<end + room]))
            if got == 0 { atEnd = true }
            end += got
            bytesBuffered += got
        }
    }

    /// At `byteLimit`: the input ends there if the file does; else the partial last line is dropped.
    private func stopAtLimit() throws(RuntimeError) {
        atEnd = true
        var probe: UInt8 = 0
        guard try withUnsafeMutableBytes(of: &probe, { (buffer) throws(RuntimeError) -> Int in try reader.read(into: buffer) }) > 0 else { return }
        stoppedAtLimit = true
        end = start + (lastLineBreak(before: end - start).map { $0 + 1 } ?? 0)
    }
}
