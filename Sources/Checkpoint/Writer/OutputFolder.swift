import Foundation

/// An output folder that appears complete or not at all: files are written into a hidden
/// temporary folder beside the destination, which is renamed into place by `commit()`.
public final class OutputFolder {
    public let destination: String
    /// Where files are written until `commit()`.
    public let workingPath: String
    private var committed = false

    /// Prefix of the temporary folder's name, so that a killed run's leftovers are recognisable.
    public static let partialMarker = ".partial-"

    /// Creates the temporary folder, and the destination's missing parent folders. An existing,
    /// non-empty `destination` is refused unless `overwrite`; an output inside `input` (or the
    /// input itself) is always refused.
    public init(destination: String, input: String? = nil, overwrite: Bool) throws(CheckpointError) {
        let url = URL(fileURLWithPath: destination).standardizedFileURL
        self.destination = url.path
        let parent = url.deletingLastPathComponent().path
        let createdParents = try ParentFolders.create(parent, for: destination)
        var ready = false
        defer { if !ready { ParentFolders.remove(createdParents) } }
        if let input, let inputRoot = FolderPaths.canonical(input), let parentRoot = FolderPaths.canonical(parent) {
            let target = parentRoot + "/" + url.lastPathComponent
            if target == inputRoot || target.hasPrefix(inputRoot + "/") {
                throw .outputFailed(path: destination, reason: "the output must not be the model folder or inside it")
            }
        }
        if FolderPaths.exists(self.destination) {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: self.destination)) ?? []
            if !FolderPaths.isDirectory(self.destination) {
                throw .outputFailed(path: destination, reason: "exists and is not a folder")
            }
            if !contents.isEmpty && !overwrite {
                throw .outputFailed(path: destination, reason: "exists and is not empty (pass --overwrite to replace it)")
            }
        }
        workingPath = Self.workingPath(for: destination)
        try? FileManager.default.removeItem(atPath: workingPath)
        guard mkdir(workingPath, 0o755) == 0 else {
            throw .outputFailed(path: destination, reason: "cannot write the output here: \(String(cString: strerror(errno)))")
        }
        ready = true
    }

    deinit { if !committed { discard() } }

    /// The temporary folder this process writes for `destination`: hidden, beside it, named
    /// with `partialMarker` and the process id.
    public static func workingPath(for destination: String) -> String {
        let url = URL(fileURLWithPath: destination).standardizedFileURL
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + partialMarker + String(getpid())
    }

    /// Moves the finished folder into place, replacing an existing destination.
    public func commit() throws(CheckpointError) {
        if FolderPaths.exists(destination) {
            let old = workingPath + "-old"
            guard rename(destination, old) == 0 else {
                throw .outputFailed(path: destination, reason: "cannot replace: \(String(cString: strerror(errno)))")
            }
            guard rename(workingPath, destination) == 0 else {
                let reason = String(cString: strerror(errno))
                _ = rename(old, destination)
                throw .outputFailed(path: destination, reason: "cannot move output into place: \(reason)")
            }
            try? FileManager.default.removeItem(atPath: old)
        } else if rename(workingPath, destination) != 0 {
            throw .outputFailed(path: destination, reason: "cannot move output into place: \(String(cString: strerror(errno)))")
        }
        committed = true
    }

    /// Removes the temporary folder (after a failure).
    public func discard() {
        try? FileManager.default.removeItem(atPath: workingPath)
    }

    /// Copies `source` (opened before the run, so that an unreadable file fails it early) into
    /// the output under its own name.
    public func copy(file source: MappedFile) throws(CheckpointError) {
        try source.checkUnchanged()
        let sink = try FileSink(path: workingPath + "/" + (source.path as NSString).lastPathComponent)
        try sink.write(source.bytes)
        try sink.close()
    }

    /// `error` with a path inside the temporary folder of `destination` shown as the same path in
    /// `destination`, as the user wrote it: the temporary folder is gone by the time they read it.
    public static func naming(_ error: CheckpointError, destination: String) -> CheckpointError {
        guard case let .outputFailed(path, reason) = error else { return error }
        let working = workingPath(for: destination)
        guard path == working || path.hasPrefix(working + "/") else { return error }
        var base = Substring(destination)
        while base.count > 1, base.hasSuffix("/") { base = base.dropLast() }
        return .outputFailed(path: String(base) + path.dropFirst(working.count), reason: reason)
    }

    /// Writes `text` to `name` in the output.
    public func write(text: String, to name: String) throws(CheckpointError) {
        let sink = try FileSink(path: workingPath + "/" + name)
        try sink.write(Array(text.utf8))
        try sink.close()
    }
}
