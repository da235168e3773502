import Foundation

/// A file opened for writing with POSIX calls: every short write is resumed, every failure
/// (a full disk, a read-only folder) becomes a `CheckpointError` naming the file.
final class FileSink {
    let path: String
    private var fd: Int32

    /// Creates (or empties) `path`; a new file gets `permissions`, less the process's umask.
    init(path: String, permissions: mode_t = 0o644) throws(CheckpointError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw .outputFailed(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .outputFailed(path: path, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    func write(_ bytes: [UInt8]) throws(CheckpointError) {
        try bytes.withTypedUnsafeBytes { (buffer) throws(CheckpointError) in try write(buffer) }
    }

    /// Closes the file. There is no fsync: the output folder only becomes visible by a rename
    /// after every file is complete, which is what protects users from partial output.
    func close() throws(CheckpointError) {
        defer { fd = -1 }
        if Glibc.close(fd) != 0 {
            throw .outputFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
