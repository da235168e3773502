import Checkpoint
import CZstd

/// A zstd-compressed file, decompressed as it is read with libzstd's streaming decoder
/// (`ZSTD_decompressStream`): memory is the decoder's window (libzstd refuses frames whose window
/// exceeds 128 MiB, its default limit) plus the caller's buffer, whatever the file's size.
/// Concatenated and skippable frames are read in order; a file that ends inside a frame is refused.
final class ZstdReader: ByteReader {
    private let file: MappedFile
    private let stream: OpaquePointer
    private var input: ZSTD_inBuffer
    private var released = 0
    /// libzstd's last answer: 0 when a frame has just ended, else a hint of the input still needed.
    private var frameRemainder = 0

    /// Whether `bytes` begin with the magic number of a zstd frame or of a skippable frame.
    static func startsWithFrame(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 else { return false }
        let magic = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        return magic == 0xFD2F_B528 || magic & 0xFFFF_FFF0 == 0x184D_2A50
    }

    init(_ file: MappedFile) throws(TokenizerError) {
        guard let stream = ZSTD_createDStream() else {
            throw .calibrationData(file: file.path, line: nil, reason: "cannot create a zstd decoder")
        }
        self.file = file
        self.stream = stream
        input = ZSTD_inBuffer(src: file.bytes.baseAddress, size: file.bytes.count, pos: 0)
    }

    deinit { ZSTD_freeDStream(stream) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TokenizerError) -> Int {
        var output = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while output.pos == 0 {
            let inputLeft = input.pos < input.size
            let result = ZSTD_decompressStream(stream, &output, &input)
            if ZSTD_isError(result) != 0 {
                throw .calibrationData(file: file.path, line: nil,
                                       reason: "corrupt zstd data: \(String(cString: ZSTD_getErrorName(result)))")
            }
            // With no input left and nothing written, the decoder holds nothing more (and its answer
            // is the size of the next frame's header, not what the last frame still needs).
            if !inputLeft && output.pos == 0 { break }
            frameRemainder = result
        }
        if input.pos - released >= MappedFileReader.releaseStep {
            file.release(released..<input.pos)
            released = input.pos
        }
        if output.pos == 0 && frameRemainder != 0 {
            throw .calibrationData(file: file.path, line: nil, reason: "truncated zstd stream: the file ends inside a frame")
        }
        return output.pos
    }
}
