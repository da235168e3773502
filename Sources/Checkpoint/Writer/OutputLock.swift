import Foundation

/// An exclusive lock on an output for the length of a run, so that two runs writing the same
/// output cannot both succeed: `flock` on a hidden file beside the destination, which holds the
/// owner's process id (a line of decimal digits) for the other run to name. The file is removed
/// when the lock is released; the kernel releases the lock of a killed run.
final class OutputLock {
    let path: String
    private var descriptor: Int32

    /// Takes the lock on `path`, or fails naming the process that holds it and what it writes
    /// (`subject`: the output, or a part of it).
    init(path: String, destination: String, subject: String = "this output") throws(CheckpointError) {
        self.path = path
        descriptor = try Self.acquire(path: path, destination: destination, subject: subject)
        let owner = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = owner.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit { release() }

    /// Removes the lock file and lets the lock go; does nothing the second time.
    func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    private static func acquire(path: String, destination: String, subject: String) throws(CheckpointError) -> Int32 {
        while true {
            let file = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard file >= 0 else {
                throw .outputFailed(path: destination, reason: "cannot write the output here: \(String(cString: strerror(errno)))")
            }
            guard flock(file, LOCK_EX | LOCK_NB) == 0 else {
                let owner = Self.owner(of: file).map { " (pid \($0))" } ?? ""
                close(file)
                throw .outputFailed(path: destination, reason: "another run\(owner) is writing \(subject)")
            }
            // The previous owner may have removed the file between our open and flock: then the
            // lock is on a file no other run will open, and must be taken again on the new one.
            var held = stat(), current = stat()
            if fstat(file, &held) == 0, lstat(path, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                return file
            }
            close(file)
        }
    }

    /// The process id the owner wrote, if it has yet.
    private static func owner(of file: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { pread(file, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
