import Foundation

/// A read-only memory map of a whole file: the one place in the checkpoint layer that owns a raw
/// pointer. Views into it are valid while the `MappedFile` is alive. The file stays open, so that
/// `checkUnchanged()` can tell whether it was truncated or written to since.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    /// The file's bytes.
    public let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?
    private let descriptor: Int32
    private let modified: timespec
    /// The file's permission bits (`0o600`, `0o644`, ...), which a copy of it keeps.
    public let permissions: mode_t

    /// Maps `path` read-only; anything but a regular file is refused before it is opened (`RegularFile`).
    public init(path: String) throws(CheckpointError) {
        self.path = path
        let (fd, info) = try RegularFile.openForReading(path)
        descriptor = fd
        modified = info.st_mtim
        permissions = info.st_mode & 0o777
        let size = Int(info.st_size)
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let pointer = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        guard let pointer, pointer != MAP_FAILED else {
            defer { close(fd) }
            throw .cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        mapping = pointer
        bytes = UnsafeRawBufferPointer(start: pointer, count: size)
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
        close(descriptor)
    }

    /// Throws `inputChanged` when the file's size or modification time differ from when it was
    /// mapped: reading a page past a shrunken end would kill the process (SIGBUS), and bytes
    /// rewritten in place would mix two versions of the file into one output. One `fstat`.
    public func checkUnchanged() throws(CheckpointError) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw .inputChanged(file: path, reason: "cannot stat it any more: \(String(cString: strerror(errno)))")
        }
        if Int(info.st_size) != bytes.count {
            throw .inputChanged(file: path, reason: "its size went from \(bytes.count) to \(info.st_size) bytes while it was being read")
        }
        if info.st_mtim.tv_sec != modified.tv_sec || info.st_mtim.tv_nsec != modified.tv_nsec {
            throw .inputChanged(file: path, reason: "it was written to while it was being read")
        }
    }

    /// Drops `range` from this process's resident pages (the page cache keeps them), so that a
    /// stream over a large file keeps a small resident set.
    public func release(_ range: Range<Int>) {
        guard let mapping, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        let end = min(bytes.count, range.upperBound)
        madvise(mapping + start, end - start, MADV_DONTNEED)
    }
}
