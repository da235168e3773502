import Foundation

/// An output folder that appears complete or not at all: files are written into a hidden
/// temporary folder beside the destination, which is renamed into place by `commit()`.
///
/// For the length of the run the output is locked (`OutputLock`), so that a second run writing it
/// fails at once; leftovers of killed runs writing it are cleaned up on the way in
/// (`OutputLeftovers`). An output that is, holds or lies inside an input of the run (`RunInput`) is
/// refused, and so is an existing folder that is not a compressed checkpoint (`ReplaceableOutput`).
public final class OutputFolder {
    public let destination: String
    /// Where files are written until `commit()`.
    public let workingPath: String
    /// What killed runs writing this output had left, cleaned up before this one started.
    public let leftovers: OutputLeftovers
    private let overwrite: Bool
    private let lock: OutputLock
    private var finished = false

    /// Prefix of the temporary folder's name, so that a killed run's leftovers are recognisable.
    public static let partialMarker = ".partial-"
    /// Suffix of the temporary folder's name that an existing output is renamed to while replaced.
    public static let asideSuffix = "-old"

    /// Creates the destination's missing parent folders, locks the output, cleans up leftovers of
    /// killed runs and creates the temporary folder. An existing, non-empty `destination` is refused
    /// unless it is a compressed checkpoint and `overwrite`; one that is, holds or lies inside any
    /// of `inputs` is always refused, before any parent folder is created.
    public init(destination: String, inputs: [RunInput] = [], overwrite: Bool) throws(CheckpointError) {
        let url = URL(fileURLWithPath: destination).standardizedFileURL
        self.destination = url.path
        self.overwrite = overwrite
        // Checked before any parent folder is created, so that a refused output never touches an input.
        guard let target = Self.resolved(url) else {
            throw .outputFailed(path: destination, reason: "its parent folders cannot be resolved")
        }
        try RunInput.check(target: target, destination: destination, against: inputs)
        let createdParents = try ParentFolders.create(url.deletingLastPathComponent().path, for: destination)
        var ready = false
        defer { if !ready { ParentFolders.remove(createdParents) } }
        lock = try OutputLock(path: Self.lockPath(for: destination), destination: destination)
        leftovers = OutputLeftovers.clean(destination: self.destination)
        if let refusal = ReplaceableOutput.refusal(self.destination, overwrite: overwrite) {
            throw .outputFailed(path: destination, reason: refusal)
        }
        workingPath = Self.workingPath(for: destination)
        guard mkdir(workingPath, 0o755) == 0 else {
            throw .outputFailed(path: destination, reason: "cannot write the output here: \(String(cString: strerror(errno)))")
        }
        ready = true
    }

    deinit { if !finished { discard() } }

    /// `url` with its deepest existing folder's symlinks resolved and the missing components
    /// after it appended: the canonical path it will have once its parents are created.
    private static func resolved(_ url: URL) -> String? {
        if url.path == "/" { return "/" }
        var missing = [url.lastPathComponent]
        var folder = url.deletingLastPathComponent()
        while !FolderPaths.exists(folder.path), folder.path != "/" {
            missing.insert(folder.lastPathComponent, at: 0)
            folder = folder.deletingLastPathComponent()
        }
        guard let root = FolderPaths.canonical(folder.path) else { return nil }
        return (root == "/" ? "" : root) + "/" + missing.joined(separator: "/")
    }

    /// The temporary folder this process writes for `destination`: hidden, beside it, named
    /// with `partialMarker` and the process id.
    public static func workingPath(for destination: String) -> String {
        let url = URL(fileURLWithPath: destination).standardizedFileURL
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + partialMarker + String(getpid())
    }

    /// Where this process sets an existing `destination` aside while replacing it.
    public static func asidePath(for destination: String) -> String {
        workingPath(for: destination) + asideSuffix
    }

    /// The lock file of `destination`: hidden, beside it (`OutputLock`).
    public static func lockPath(for destination: String) -> String {
        let url = URL(fileURLWithPath: destination).standardizedFileURL
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".lock"
    }

    /// Moves the finished folder into place. An existing destination (checked again: it may have
    /// changed during the run) is renamed aside first and removed once the new folder is in
    /// place; a signal meanwhile is deferred (`CommitGate`), so one of them is always there.
    public func commit() throws(CheckpointError) {
        if let refusal = ReplaceableOutput.refusal(destination, overwrite: overwrite) {
            throw .outputFailed(path: destination, reason: refusal)
        }
        let aside = Self.asidePath(for: destination)
        let replacing = FolderPaths.exists(destination)
        let failure = CommitGate.deferringSignals { () -> CheckpointError? in
            if replacing, rename(destination, aside) != 0 {
                return .outputFailed(path: destination, reason: "cannot replace: \(String(cString: strerror(errno)))")
            }
            guard rename(workingPath, destination) == 0 else {
                let reason = String(cString: strerror(errno))
                if replacing { _ = rename(aside, destination) }
                return .outputFailed(path: destination, reason: "cannot move output into place: \(reason)")
            }
            return nil
        }
        if let failure { throw failure }
        finished = true
        if replacing { try? FileManager.default.removeItem(atPath: aside) }
        lock.release()
    }

    /// Removes the temporary folder (after a failure) and releases the output.
    public func discard() {
        try? FileManager.default.removeItem(atPath: workingPath)
        lock.release()
    }

    /// Copies `source` (opened before the run, so that an unreadable file fails it early) into
    /// the output under its own name and with its permission bits: a file only its owner may read
    /// stays so.
    public func copy(file source: MappedFile) throws(CheckpointError) {
        try source.checkUnchanged()
        let sink = try FileSink(path: workingPath + "/" + (source.path as NSString).lastPathComponent, permissions: source.permissions)
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
