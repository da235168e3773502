import Checkpoint
import Foundation
import Testing
import TestSupport

/// Every file read from a model folder, and copied into an output, stays inside the folder: a
/// symlink out of it is refused, naming the file; in a snapshot of the Hugging Face cache, a
/// symlink into the same cache repository is the norm and is accepted. Copies keep the source's
/// permission bits.
@Suite struct ModelFolderBoundaryTests {
    @Test func aFileToCopyThatLinksOutsideIsRefused() throws {
        let outside = TemporaryFolder("outside")
        let secret = try outside.write("secret", text: "password")
        let folder = TemporaryFolder("boundary")
        let model = try folder.copy(fixture: "tiny-llama")
        try FileManager.default.createSymbolicLink(atPath: model + "/notes.txt", withDestinationPath: secret)
        let checkpoint = try Checkpoint(directory: model)
        #expect(throws: CheckpointError.fileOutsideFolder(path: model + "/notes.txt", target: Self.canonical(secret))) {
            try checkpoint.openFile(named: "notes.txt")
        }
    }

    @Test func aConfigThatLinksOutsideIsRefused() throws {
        let outside = TemporaryFolder("outside")
        let config = try outside.write("config.json", text: "{}")
        let folder = TemporaryFolder("boundary")
        let model = try folder.copy(fixture: "tiny-llama")
        try FileManager.default.removeItem(atPath: model + "/config.json")
        try FileManager.default.createSymbolicLink(atPath: model + "/config.json", withDestinationPath: config)
        #expect(throws: CheckpointError.fileOutsideFolder(path: model + "/config.json", target: Self.canonical(config))) {
            try Checkpoint(directory: model)
        }
    }

    @Test func aSymlinkInsideTheFolderIsAccepted() throws {
        let folder = TemporaryFolder("boundary")
        let model = try folder.copy(fixture: "tiny-llama")
        try FileManager.default.createDirectory(atPath: model + "/docs", withIntermediateDirectories: false)
        try "notes".write(toFile: model + "/docs/notes.txt", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: model + "/notes.txt", withDestinationPath: "docs/notes.txt")
        let file = try Checkpoint(directory: model).openFile(named: "notes.txt")
        #expect(Array(file.bytes) == Array("notes".utf8))
    }

    @Test func aSnapshotOfTheHubCacheReadsItsBlobs() throws {
        let folder = TemporaryFolder("boundary")
        let cache = try HubCacheFixture(folder: folder.file("hub"))
        let snapshot = try cache.add("org/tiny", from: Fixtures.path("tiny-llama"), commit: String(repeating: "a", count: 40))
        let checkpoint = try Checkpoint(directory: snapshot)
        #expect(checkpoint.tensors.count == 21)
        #expect(checkpoint.config?.modelType == "llama")
        #expect(try checkpoint.openFile(named: "generation_config.json").bytes.count > 0)
    }

    @Test func aSnapshotLinkingIntoAnotherRepositoryIsRefused() throws {
        let folder = TemporaryFolder("boundary")
        let cache = try HubCacheFixture(folder: folder.file("hub"))
        try cache.add("org/other", from: Fixtures.path("tiny-llama"), commit: String(repeating: "b", count: 40))
        let snapshot = try cache.add("org/tiny", from: Fixtures.path("tiny-llama"), commit: String(repeating: "a", count: 40))
        let shard = snapshot + "/model.safetensors"
        let foreign = try FileManager.default.destinationOfSymbolicLink(atPath: shard)
            .replacingOccurrences(of: "../../blobs/", with: "../../../models--org--other/blobs/")
        try FileManager.default.removeItem(atPath: shard)
        try FileManager.default.createSymbolicLink(atPath: shard, withDestinationPath: foreign)
        #expect(throws: CheckpointError.shardOutsideFolder(index: shard, shard: "model.safetensors")) {
            try Checkpoint(directory: snapshot)
        }
    }

    @Test func aSnapshotLinkingOutsideTheCacheIsRefused() throws {
        let folder = TemporaryFolder("boundary")
        let cache = try HubCacheFixture(folder: folder.file("hub"))
        let snapshot = try cache.add("org/tiny", from: Fixtures.path("tiny-llama"), commit: String(repeating: "a", count: 40))
        try FileManager.default.createSymbolicLink(atPath: snapshot + "/notes.txt", withDestinationPath: "/etc/passwd")
        #expect(throws: CheckpointError.fileOutsideFolder(path: snapshot + "/notes.txt", target: "/etc/passwd")) {
            try Checkpoint(directory: snapshot).openFile(named: "notes.txt")
        }
    }

    @Test func aFolderShapedLikeASnapshotOutsideARepositoryKeepsItsOwnBoundary() throws {
        let folder = TemporaryFolder("boundary")
        try FileManager.default.createDirectory(atPath: folder.file("repo/snapshots"), withIntermediateDirectories: true)
        try folder.copy(fixture: "tiny-llama", to: "repo/snapshots/main")
        let notes = try folder.write("repo/notes.txt", text: "notes")
        try FileManager.default.createSymbolicLink(atPath: folder.file("repo/snapshots/main/notes.txt"), withDestinationPath: "../../notes.txt")
        #expect(throws: CheckpointError.fileOutsideFolder(path: folder.file("repo/snapshots/main/notes.txt"), target: Self.canonical(notes))) {
            try Checkpoint(directory: folder.file("repo/snapshots/main")).openFile(named: "notes.txt")
        }
    }

    @Test(arguments: [0o600, 0o640, 0o444] as [mode_t])
    func aCopiedFileKeepsItsPermissions(_ permissions: mode_t) throws {
        let folder = TemporaryFolder("boundary")
        let model = try folder.copy(fixture: "tiny-llama")
        let notes = model + "/notes.txt"
        try "private".write(toFile: notes, atomically: false, encoding: .utf8)
        #expect(chmod(notes, permissions) == 0)
        let output = try OutputFolder(destination: folder.file("out"), overwrite: false)
        try output.copy(file: try Checkpoint(directory: model).openFile(named: "notes.txt"))
        try output.commit()
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.file("out/notes.txt"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.uint16Value == UInt16(permissions & ~Self.umask))
    }

    /// The process's file creation mask, which applies to copies as to every new file (read, not
    /// set: setting it would race with the other tests' files).
    static let umask: mode_t = {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
        return line.flatMap { mode_t($0.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) } ?? 0o022
    }()

    /// `path` with symlinks and doubled slashes resolved, as errors name a symlink's target.
    static func canonical(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
}
