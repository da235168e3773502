import Foundation

/// A file or folder a run reads (the model folder, one of its files, the recipe, the dataset),
/// which its output must never replace, hold or lie inside.
public struct RunInput: Sendable, Equatable {
    /// What it is, for messages: "the model folder", "the recipe", ...
    public let role: String
    public let path: String

    public init(role: String, path: String) {
        self.role = role
        self.path = path
    }

    /// Refuses an output at `target` (its parent's canonical path and its name) that is one of
    /// `inputs`, lies inside one or holds one, symlinks resolved on both sides. An input that does
    /// not exist cannot be lost and is skipped.
    static func check(target: String, destination: String, against inputs: [RunInput]) throws(CheckpointError) {
        let targets = [target] + (FolderPaths.canonical(target).map { $0 == target ? [] : [$0] } ?? [])
        for input in inputs {
            guard let resolved = FolderPaths.canonical(input.path) else { continue }
            for output in targets {
                if output == resolved || isInside(output, folder: resolved) {
                    let what = FolderPaths.isDirectory(resolved) ? "\(input.role) or inside it" : input.role
                    throw .outputFailed(path: destination, reason: "the output must not be \(what)")
                }
                if isInside(resolved, folder: output) {
                    throw .outputFailed(path: destination, reason: "holds \(input.role) \(input.path), which this run reads: replacing the output would delete it; choose another output")
                }
            }
        }
    }

    /// Whether the canonical `path` lies strictly inside the canonical `folder`.
    private static func isInside(_ path: String, folder: String) -> Bool {
        path.hasPrefix(folder == "/" ? "/" : folder + "/") && path != folder
    }
}
