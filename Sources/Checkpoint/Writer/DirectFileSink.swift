import Foundation

/// A large file written past the page cache: bytes are gathered into page-aligned buffers, which
/// a background thread writes with `O_DIRECT` while the caller fills the next one. Copying output
/// into the page cache is the kernel's most expensive work in a data-free run (on a small VM
/// about 3 CPU-seconds per GB written, against 0.1 with `O_DIRECT`). Where the file system refuses
/// `O_DIRECT` (at `open` or at the first write) the same buffers go through the page cache, as do
/// the last bytes after the last whole buffer; the file's bytes are the same either way.
///
/// Failures (a full disk, a read-only folder) become a `CheckpointError` naming the file, thrown
/// by the next `write` or by `close`.
final class DirectFileSink {
    let path: String
    private let fd: Int32
    private let buffers: [UnsafeMutableRawBufferPointer]
    /// The buffer being filled, and how much of it is.
    private var current = 0
    private var filled = 0
    /// The file offset of the current buffer's first byte: a multiple of the buffer size.
    private var offset = 0
    private var closed = false
    private let writes = DispatchQueue(label: "DirectFileSink.writes")
    /// Signalled by each finished background write: a buffer can be filled again.
    private let freed = DispatchSemaphore(value: 0)
    /// The first failure of a background write.
    private let failure = WriteFailure()

    /// Buffers' size and alignment unit: a multiple of every block size `O_DIRECT` may ask for.
    static let alignment = 4096

    /// Creates (or empties) `path`; a new file gets `permissions`, less the process's umask.
    /// - Parameter bufferBytes: the size of each of the two buffers, rounded up to `alignment`.
    init(path: String, permissions: mode_t = 0o644, bufferBytes: Int = 8 << 20) throws(CheckpointError) {
        self.path = path
        let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        var fd = open(path, flags | directFlag, permissions)
        if fd < 0, errno == EINVAL { fd = open(path, flags, permissions) }
        guard fd >= 0 else { throw .outputFailed(path: path, reason: String(cString: strerror(errno))) }
        self.fd = fd
        let size = max(1, (bufferBytes + Self.alignment - 1) / Self.alignment) * Self.alignment
        buffers = (0..<2).map { _ in .allocate(byteCount: size, alignment: Self.alignment) }
        for _ in 1..<buffers.count { freed.signal() }
    }

    deinit {
        writes.sync {}
        if !closed { Glibc.close(fd) }
        for buffer in buffers { buffer.deallocate() }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        var done = 0
        while done < bytes.count {
            let buffer = buffers[current]
            let n = min(buffer.count - filled, bytes.count - done)
            (buffer.baseAddress! + filled).copyMemory(from: bytes.baseAddress! + done, byteCount: n)
            filled += n
            done += n
            if filled == buffer.count { try flush() }
        }
    }

    func write(_ bytes: [UInt8]) throws(CheckpointError) {
        try bytes.withTypedUnsafeBytes { (buffer) throws(CheckpointError) in try write(buffer) }
    }

    /// Waits for the background writes, writes the rest and closes the file. There is no fsync:
    /// the output folder only becomes visible by a rename after every file is complete, which
    /// is what protects users from partial output.
    func close() throws(CheckpointError) {
        writes.sync {}
        try throwFailure()
        closed = true
        let tail = UnsafeRawBufferPointer(rebasing: buffers[current][0..<filled])
        let buffered = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~directFlag) == 0
        let code = buffered ? Self.write(tail, fd: fd, at: offset) : errno
        let closing = Glibc.close(fd) == 0 ? nil : errno
        if let code = code ?? closing { throw .outputFailed(path: path, reason: String(cString: strerror(code))) }
    }

    /// Hands the full current buffer to the background thread and waits for a free one.
    private func flush() throws(CheckpointError) {
        try throwFailure()
        // The buffer is not touched again until the write signals `freed`.
        nonisolated(unsafe) let full = UnsafeRawBufferPointer(buffers[current])
        let (fd, at, failure, freed) = (fd, offset, failure, freed)
        writes.async {
            if !failure.isSet, let code = Self.writeDirect(full, fd: fd, at: at) { failure.set(code) }
            freed.signal()
        }
        offset += full.count
        current = (current + 1) % buffers.count
        filled = 0
        freed.wait()
    }

    private func throwFailure() throws(CheckpointError) {
        if let code = failure.code { throw .outputFailed(path: path, reason: String(cString: strerror(code))) }
    }

    /// Writes `bytes` at `offset`, with `O_DIRECT` when `fd` has it, through the page cache from
    /// then on when the file system refuses it (`EINVAL`); nil, or the `errno` it failed with.
    private static func writeDirect(_ bytes: UnsafeRawBufferPointer, fd: Int32, at offset: Int) -> Int32? {
        let code = write(bytes, fd: fd, at: offset)
        let flags = fcntl(fd, F_GETFL)
        guard code == EINVAL, flags & directFlag != 0, fcntl(fd, F_SETFL, flags & ~directFlag) == 0 else { return code }
        return write(bytes, fd: fd, at: offset)
    }

    /// Writes all of `bytes` at `offset`, resuming short writes; nil, or the `errno` it failed with.
    private static func write(_ bytes: UnsafeRawBufferPointer, fd: Int32, at offset: Int) -> Int32? {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return nil
    }
}

/// Linux's `O_DIRECT`, which Swift's Glibc module leaves out (glibc defines it for `_GNU_SOURCE`
/// only); 0, so never direct, on architectures not listed.
#if arch(x86_64) || arch(i386)
private let directFlag: Int32 = 0o40000
#elseif arch(arm64) || arch(arm)
private let directFlag: Int32 = 0o200000
#else
private let directFlag: Int32 = 0
#endif

/// The first failure of a `DirectFileSink`'s background writes (an `errno`), shared with its thread.
private final class WriteFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Int32?

    var code: Int32? { lock.withLock { first } }
    var isSet: Bool { code != nil }

    func set(_ code: Int32) { lock.withLock { if first == nil { first = code } } }
}
