import Foundation

/// The one way the tool opens a file it reads (a shard, config.json, an index, a file copied into
/// the output, a recipe, a dataset, a text to score): anything that is not a regular file, itself
/// or through a symlink, is refused before open(2). Opening a FIFO without a writer blocks for ever,
/// and opening a device can act on it.
enum RegularFile {
    /// Opens `path` read-only and returns its descriptor (the caller closes it) and status.
    /// - Throws: `cannotOpen` naming what `path` is when it is no regular file, or the system's reason.
    static func openForReading(_ path: String) throws(CheckpointError) -> (descriptor: Int32, status: stat) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        if let refusal = refusal(status, path) { throw refusal }
        // Should the file be replaced by a FIFO after the check, O_NONBLOCK makes open(2) return at
        // once instead of waiting for a writer, and fstat then refuses it; on a regular file it changes nothing.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let failure = fstat(descriptor, &status) == 0 ? refusal(status, path) : .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        if let failure {
            close(descriptor)
            throw failure
        }
        return (descriptor, status)
    }

    /// The error for a file whose status is `status`, unless it is a regular file.
    private static func refusal(_ status: stat, _ path: String) -> CheckpointError? {
        let type = status.st_mode & S_IFMT
        return type == S_IFREG ? nil : .cannotOpen(path: path, reason: "\(kind(type)), not a regular file")
    }

    /// What a file of `type` (the `S_IFMT` bits of its mode) is, in words.
    private static func kind(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a folder"
        default: return "a special file"
        }
    }
}
