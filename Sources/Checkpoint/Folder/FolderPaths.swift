import Foundation

/// Path rules for files named from inside a model folder: a name that escapes the folder, by an
/// absolute path, a `..` component or a symlink whose target lies outside, is refused. The one
/// exception is a snapshot of the Hugging Face cache, whose files are symlinks into the blobs of
/// its cache repository (`HubCache.repositoryFolder(ofSnapshot:)`): they may resolve anywhere in
/// that repository's folder, and nowhere else.
struct FolderPaths {
    /// The folder as given.
    let directory: String
    /// Its canonical path, with symlinks resolved.
    let root: String
    /// The folder that the files named from it may resolve into: `root`, or a cache repository.
    let boundary: String

    /// The rules for `directory`, or nil when its path cannot be resolved.
    init?(directory: String) {
        guard let root = Self.canonical(directory) else { return nil }
        self.directory = directory
        self.root = root
        boundary = HubCache.repositoryFolder(ofSnapshot: root) ?? root
    }

    /// Whether `name` (relative, from an index or the folder's listing) stays inside the folder's boundary.
    func isInside(name: String) -> Bool {
        if name.isEmpty || name.hasPrefix("/") { return false }
        if name.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." }) { return false }
        guard let resolved = Self.canonical(root + "/" + name) else { return true } // missing: reported as missing, not as escaping
        return resolved.hasPrefix(boundary + "/")
    }

    /// The path of the file `name` of the folder.
    /// - Throws: `fileOutsideFolder` when it is a symlink that resolves outside the folder's boundary.
    func file(_ name: String) throws(CheckpointError) -> String {
        let path = directory + "/" + name
        guard isInside(name: name) else { throw .fileOutsideFolder(path: path, target: Self.canonical(path) ?? name) }
        return path
    }

    /// The canonical path of `path`, with symlinks resolved, or nil when it does not exist.
    static func canonical(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
