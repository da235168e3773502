import Foundation

/// Models named by a Hugging Face repo id (`ORG/NAME`), found in the local Hugging Face cache as
/// transformers and huggingface_hub find them offline. Nothing is ever downloaded.
///
/// The cache holds a folder per model repository, `models--ORG--NAME`, with `refs/BRANCH` (a file
/// holding the branch's commit hash), `snapshots/COMMIT/` (the repository's files at that commit,
/// as symlinks into `../../blobs/`) and `blobs/`.
public struct HubCache: Sendable {
    /// The cache folder: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `XDG_CACHE_HOME/huggingface/hub`,
    /// else `~/.cache/huggingface/hub`, as huggingface_hub chooses it.
    public let folder: String

    /// The revision of a repo id given without one.
    public static let defaultRevision = "main"

    static let repositoryPrefix = "models--"
    static let snapshotsFolder = "snapshots"

    /// The cache that `environment` (by default the process's) points to.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : ($0 as NSString).expandingTildeInPath }
        }
        if let hub = value("HF_HUB_CACHE") {
            folder = hub
        } else {
            let home = value("HF_HOME")
                ?? (value("XDG_CACHE_HOME") ?? (value("HOME") ?? NSHomeDirectory()) + "/.cache") + "/huggingface"
            folder = home + "/hub"
        }
    }

    /// The model folder that `model` names: `model` itself when it exists on disk; else, when it is
    /// a repo id (`ORG/NAME` or `NAME`), its snapshot in the cache at `revision` (a branch or tag,
    /// looked up in `refs/`, or a commit hash; `main` when nil); else `model` unchanged, for the
    /// checkpoint reader to report as missing.
    /// - Throws: `hubCache` when the repository or the revision is not in the cache, or a revision
    ///   is given with a local folder.
    public func modelFolder(_ model: String, revision: String? = nil) throws(CheckpointError) -> String {
        if FolderPaths.exists(model) {
            if let revision {
                throw .hubCache(path: model, reason: "is a local folder; a revision ('\(revision)') applies only to a repo id in the Hugging Face cache")
            }
            return model
        }
        guard Self.isRepositoryId(model) else { return model }
        let repository = folder + "/" + Self.repositoryPrefix + model.replacingOccurrences(of: "/", with: "--")
        let download = "nothing is downloaded: fetch it first with `hf download \(model)\(revision.map { " --revision \($0)" } ?? "")`"
        guard FolderPaths.isDirectory(repository) else {
            throw .hubCache(path: model, reason: "no such folder, and not in the Hugging Face cache \(folder) (no \((repository as NSString).lastPathComponent)); \(download)")
        }
        let wanted = revision ?? Self.defaultRevision
        guard !wanted.isEmpty, !wanted.hasPrefix("/"), !wanted.split(separator: "/").contains("..") else {
            throw .hubCache(path: model, reason: "'\(wanted)' is not a branch, tag or commit name")
        }
        let reference = repository + "/refs/" + wanted
        let commit = FolderPaths.exists(reference) ? try Self.commit(in: reference) : wanted
        let snapshot = repository + "/" + Self.snapshotsFolder + "/" + commit
        guard FolderPaths.isDirectory(snapshot) else {
            let named = commit == wanted ? "" : " (commit \(commit))"
            throw .hubCache(path: model, reason: "revision '\(wanted)'\(named) is not in the Hugging Face cache (no \(snapshot)); \(download)")
        }
        return snapshot
    }

    /// The `models--ORG--NAME` folder of the cache holding `snapshot` (a canonical path), when
    /// `snapshot` has the shape of one of its snapshots, `…/models--ORG--NAME/snapshots/COMMIT`.
    static func repositoryFolder(ofSnapshot snapshot: String) -> String? {
        let parts = snapshot.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[parts.count - 2] == snapshotsFolder,
              parts[parts.count - 3].hasPrefix(repositoryPrefix), parts[parts.count - 3].count > repositoryPrefix.count
        else { return nil }
        return parts.dropLast(2).joined(separator: "/")
    }

    /// Whether `name` is a repo id as huggingface_hub accepts one: `NAME` or `ORG/NAME`, each part
    /// of letters, digits, `_`, `-` and `.`, starting and ending with a letter, digit or `_`, with
    /// no `--` or `..`, at most 96 characters.
    static func isRepositoryId(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), name.count <= 96, !name.contains("--"), !name.contains("..") else { return false }
        func isWord(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
        }
        return parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, let last = part.unicodeScalars.last else { return false }
            return isWord(first) && isWord(last) && part.unicodeScalars.allSatisfy { isWord($0) || $0 == "-" || $0 == "." }
        }
    }

    /// The commit hash that the file `reference` (`refs/BRANCH`) holds.
    private static func commit(in reference: String) throws(CheckpointError) -> String {
        let file = try MappedFile(path: reference)
        let text = withExtendedLifetime(file) { String(decoding: file.bytes.prefix(128), as: UTF8.self) }.trimmingCharacters(in: .whitespacesAndNewlines)
        guard file.bytes.count <= 128, [40, 64].contains(text.count), text.allSatisfy(\.isHexDigit) else {
            throw .hubCache(path: reference, reason: "does not hold a commit hash")
        }
        return text
    }
}
