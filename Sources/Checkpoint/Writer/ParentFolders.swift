import Foundation

/// The missing folders above an output, created as transformers' `save_pretrained` creates them
/// (`os.makedirs(exist_ok=True)`: mode 0777 less the umask), and removed again when the output
/// is refused before anything is written into them.
enum ParentFolders {
    /// Creates the folder `path` and its missing ancestors for the output `destination`.
    /// - Returns: the folders created, outermost first.
    /// - Throws: `outputFailed` naming `destination` when an ancestor is not a folder or a folder
    ///   cannot be created; the folders created until then are removed.
    static func create(_ path: String, for destination: String) throws(CheckpointError) -> [String] {
        var missing: [String] = []
        var folder = URL(fileURLWithPath: path).standardizedFileURL
        while !FolderPaths.exists(folder.path), folder.path != "/" {
            missing.append(folder.path)
            folder = folder.deletingLastPathComponent()
        }
        guard FolderPaths.isDirectory(folder.path) else {
            throw .outputFailed(path: destination, reason: "parent folder \(folder.path) is not a folder")
        }
        var created: [String] = []
        for path in missing.reversed() {
            if mkdir(path, 0o777) == 0 {
                created.append(path)
            } else if !(errno == EEXIST && FolderPaths.isDirectory(path)) {
                let reason = String(cString: strerror(errno))
                remove(created)
                throw .outputFailed(path: destination, reason: "cannot create the parent folder \(path): \(reason)")
            }
        }
        return created
    }

    /// Removes `folders`, as `create` returned them, innermost first, where they are still empty.
    static func remove(_ folders: [String]) {
        for path in folders.reversed() { rmdir(path) }
    }
}
