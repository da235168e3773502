import Foundation

/// Path rules for files named from inside a model folder: a name that escapes the folder, by an
/// absolute path, a `..` component or a symlink whose target lies outside, is refused.
enum FolderPaths {
    /// The canonical path of `directory`, with symlinks resolved.
    static func canonical(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `name` (relative, from an index) stays inside the folder whose canonical path is `root`.
    static func isInside(root: String, name: String) -> Bool {
        if name.isEmpty || name.hasPrefix("/") { return false }
        if name.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." }) { return false }
        let full = root + "/" + name
        guard let resolved = canonical(full) else { return true } // missing: reported as missing, not as escaping
        return resolved.hasPrefix(root + "/")
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
