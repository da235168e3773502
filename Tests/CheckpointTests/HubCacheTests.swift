import Checkpoint
import Foundation
import Testing
import TestSupport

/// A model named by a repo id is found in the local Hugging Face cache as huggingface_hub finds it
/// offline: the cache folder from the environment, `refs/` for branches and tags, `snapshots/` by commit.
@Suite struct HubCacheTests {
    static let main = String(repeating: "a", count: 40)
    static let tagged = String(repeating: "b", count: 40)

    /// A cache holding `org/tiny` at two commits: `main`, and `v2` (a tag).
    static func cache(in folder: TemporaryFolder) throws -> HubCacheFixture {
        let cache = try HubCacheFixture(folder: folder.file("hub"))
        try cache.add("org/tiny", from: Fixtures.path("tiny-llama"), commit: main)
        try cache.add("org/tiny", from: Fixtures.path("tiny-llama"), commit: tagged, references: ["v2"])
        return cache
    }

    @Test func theCacheFolderComesFromTheEnvironmentAsHuggingFaceHubChoosesIt() {
        #expect(HubCache(environment: ["HF_HUB_CACHE": "/a", "HF_HOME": "/b", "HOME": "/h"]).folder == "/a")
        #expect(HubCache(environment: ["HF_HOME": "/b", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).folder == "/b/hub")
        #expect(HubCache(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).folder == "/x/huggingface/hub")
        #expect(HubCache(environment: ["HOME": "/h", "HF_HUB_CACHE": ""]).folder == "/h/.cache/huggingface/hub")
    }

    @Test func aRepoIdResolvesToTheSnapshotOfItsRevision() throws {
        let folder = TemporaryFolder("hub")
        let cache = try Self.cache(in: folder)
        let hub = HubCache(environment: ["HF_HUB_CACHE": cache.folder])
        let snapshots = cache.repositoryFolder("org/tiny") + "/snapshots/"
        #expect(try hub.modelFolder("org/tiny") == snapshots + Self.main)
        #expect(try hub.modelFolder("org/tiny", revision: "v2") == snapshots + Self.tagged)
        #expect(try hub.modelFolder("org/tiny", revision: Self.tagged) == snapshots + Self.tagged)
        #expect(try Checkpoint(directory: hub.modelFolder("org/tiny")).tensors.count == 21)
    }

    @Test func anExistingFolderWinsOverTheCache() throws {
        let folder = TemporaryFolder("hub")
        let cache = try Self.cache(in: folder)
        let hub = HubCache(environment: ["HF_HUB_CACHE": cache.folder])
        let local = Fixtures.path("tiny-llama")
        #expect(try hub.modelFolder(local) == local)
        #expect(throws: CheckpointError.hubCache(path: local, reason: "is a local folder; a revision ('v2') applies only to a repo id in the Hugging Face cache")) {
            try hub.modelFolder(local, revision: "v2")
        }
        #expect(try hub.modelFolder("/nonexistent/model") == "/nonexistent/model")
    }

    @Test func aRepoIdNotInTheCacheNamesTheCacheAndNeverDownloads() throws {
        let folder = TemporaryFolder("hub")
        let cache = try Self.cache(in: folder)
        let hub = HubCache(environment: ["HF_HUB_CACHE": cache.folder])
        #expect(throws: CheckpointError.hubCache(path: "org/missing", reason: "no such folder, and not in the Hugging Face cache \(cache.folder) (no models--org--missing); nothing is downloaded: fetch it first with `hf download org/missing`")) {
            try hub.modelFolder("org/missing")
        }
        let snapshot = cache.repositoryFolder("org/tiny") + "/snapshots/v3"
        #expect(throws: CheckpointError.hubCache(path: "org/tiny", reason: "revision 'v3' is not in the Hugging Face cache (no \(snapshot)); nothing is downloaded: fetch it first with `hf download org/tiny --revision v3`")) {
            try hub.modelFolder("org/tiny", revision: "v3")
        }
        #expect(throws: CheckpointError.hubCache(path: "org/tiny", reason: "'../x' is not a branch, tag or commit name")) {
            try hub.modelFolder("org/tiny", revision: "../x")
        }
    }

    @Test func aReferenceWithoutACommitHashIsRefused() throws {
        let folder = TemporaryFolder("hub")
        let cache = try Self.cache(in: folder)
        let reference = cache.repositoryFolder("org/tiny") + "/refs/main"
        try "not a hash".write(toFile: reference, atomically: false, encoding: .utf8)
        #expect(throws: CheckpointError.hubCache(path: reference, reason: "does not hold a commit hash")) {
            try HubCache(environment: ["HF_HUB_CACHE": cache.folder]).modelFolder("org/tiny")
        }
    }

    @Test(arguments: ["gpt2", "HuggingFaceTB/SmolLM2-135M-Instruct", "org/name.v1_2"])
    func repoIdsAreLookedUp(_ name: String) throws {
        let folder = TemporaryFolder("hub")
        #expect(throws: CheckpointError.self) { try HubCache(environment: ["HF_HUB_CACHE": folder.path]).modelFolder(name) }
    }

    @Test(arguments: ["./model", "a/b/c", "org/-name", "org--x/name", "org/name.", "a..b", ""])
    func otherNamesAreLeftForTheReaderToReport(_ name: String) throws {
        let folder = TemporaryFolder("hub")
        #expect(try HubCache(environment: ["HF_HUB_CACHE": folder.path]).modelFolder(name) == name)
    }
}
