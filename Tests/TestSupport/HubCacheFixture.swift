import Foundation

/// A Hugging Face cache in a temporary folder, laid out as huggingface_hub lays it out: per
/// repository a `models--ORG--NAME` folder with `blobs/` (each file under its SHA-256),
/// `snapshots/COMMIT/` (each file a relative symlink `../../blobs/HASH`) and `refs/BRANCH`
/// (the commit hash).
public struct HubCacheFixture {
    /// The cache folder, what `HF_HUB_CACHE` names.
    public let folder: String

    public init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// The `models--ORG--NAME` folder of `repository` (`ORG/NAME`).
    public func repositoryFolder(_ repository: String) -> String {
        folder + "/models--" + repository.replacingOccurrences(of: "/", with: "--")
    }

    /// Adds the files of the folder `source` to `repository` at `commit`, named by each of
    /// `references`, and returns the snapshot folder.
    @discardableResult
    public func add(_ repository: String, from source: String, commit: String, references: [String] = ["main"]) throws -> String {
        let manager = FileManager.default
        let root = repositoryFolder(repository)
        let snapshot = root + "/snapshots/" + commit
        try manager.createDirectory(atPath: root + "/blobs", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: source) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: source + "/" + name))
            let hash = bytes.withUnsafeBytes { SHA256.hex($0) }
            try bytes.write(to: URL(fileURLWithPath: root + "/blobs/" + hash))
            try manager.createSymbolicLink(atPath: snapshot + "/" + name, withDestinationPath: "../../blobs/" + hash)
        }
        for reference in references {
            let file = root + "/refs/" + reference
            try manager.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try commit.write(toFile: file, atomically: false, encoding: .utf8)
        }
        return snapshot
    }
}
