import Foundation

/// Removes a folder and everything in it from a signal handler, with async-signal-safe calls only
/// (`open`, `openat`, `getdents64`, `unlinkat`, `close`, `rmdir`) and no allocation: every buffer
/// is made by `prepare()`. Symlinks are removed, never followed.
enum SignalSafeRemoval {
    private typealias ReadDirectory = @convention(c) (Int32, UnsafeMutableRawPointer, Int) -> Int

    /// Folders nested deeper than this are left (the folders removed here are flat).
    private static let maxDepth = 8
    private static let bufferSize = 1 << 14
    private static var buffers: UnsafeMutableRawPointer?
    private static var readDirectory: ReadDirectory?

    /// Makes the listing buffers and finds `getdents64`; call before installing a handler.
    static func prepare() {
        guard buffers == nil else { return }
        buffers = UnsafeMutableRawPointer.allocate(byteCount: maxDepth * bufferSize, alignment: 8)
        readDirectory = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "getdents64").map { unsafeBitCast($0, to: ReadDirectory.self) }
    }

    /// Removes the folder `path` and its contents; returns whether it was there. Files created in
    /// it meanwhile by a thread still writing are caught by listing it again until it is gone.
    @discardableResult
    static func removeTree(_ path: UnsafePointer<CChar>) -> Bool {
        var existed = false
        for _ in 0..<4 {
            let folder = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard folder >= 0 else { return existed }
            existed = true
            removeContents(of: folder, depth: 0)
            close(folder)
            if rmdir(path) == 0 || errno == ENOENT { return true }
        }
        return existed
    }

    /// Removes every entry of the open folder `folder`, listing it again until a pass removes
    /// nothing (removing entries while listing may skip some).
    private static func removeContents(of folder: Int32, depth: Int) {
        guard let readDirectory, let buffers, depth < maxDepth else { return }
        let entries = buffers + depth * bufferSize
        var removed = true
        while removed {
            removed = false
            lseek(folder, 0, SEEK_SET)
            while true {
                let count = readDirectory(folder, entries, bufferSize)
                if count <= 0 { break }
                var offset = 0
                while offset < count {
                    // struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), d_name.
                    let entry = entries + offset
                    let name = (entry + 19).assumingMemoryBound(to: CChar.self)
                    let isDots = name[0] == 0x2E && (name[1] == 0 || (name[1] == 0x2E && name[2] == 0))
                    if !isDots, unlinkat(folder, name, 0) == 0 || removeSubfolder(name, in: folder, depth: depth) {
                        removed = true
                    }
                    offset += Int(entry.load(fromByteOffset: 16, as: UInt16.self))
                }
            }
        }
    }

    /// Removes the entry `name` of `folder` when it is a folder (`unlinkat` refused it with EISDIR).
    private static func removeSubfolder(_ name: UnsafePointer<CChar>, in folder: Int32, depth: Int) -> Bool {
        guard errno == EISDIR else { return false }
        let subfolder = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard subfolder >= 0 else { return false }
        removeContents(of: subfolder, depth: depth + 1)
        close(subfolder)
        return unlinkat(folder, name, AT_REMOVEDIR) == 0
    }
}
