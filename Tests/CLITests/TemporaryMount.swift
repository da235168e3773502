import Foundation
import TestSupport

/// A tmpfs mounted for a test, unmounted when released: a small disk to fill, or a read-only one.
/// Mounting needs root (CAP_SYS_ADMIN), which CI has; tests that need it are skipped elsewhere.
final class TemporaryMount {
    let path: String

    /// Mounts a tmpfs of `size` bytes at `path` (an existing folder).
    init(at path: String, size: Int, readOnly: Bool = false) throws {
        self.path = path
        guard mount("tmpfs", path, "tmpfs", readOnly ? UInt(MS_RDONLY) : 0, "size=\(size)") == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
        }
    }

    deinit { umount2(path, Int32(MNT_DETACH)) }

    /// Whether this process can mount a tmpfs, tried once.
    static let available: Bool = {
        let folder = TemporaryFolder("mount-probe")
        return (try? TemporaryMount(at: folder.path, size: 4096)) != nil
    }()
}
