import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport

/// `--model ORG/NAME` in every command that takes a model: read from a Hugging Face cache (laid out
/// as huggingface_hub lays it out, files linked into `blobs/`) at `main` or `--revision`, never downloaded.
@Suite struct HubCacheCommandTests {
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"
    static let main = String(repeating: "a", count: 40)
    static let tagged = String(repeating: "b", count: 40)

    /// A cache in `folder/hub` holding `org/tiny` (the tiny Llama) at `main`, and at a tag `v2`
    /// whose commit adds a README.md, and `org/calib` (a tiny Llama with a tokenizer); and the
    /// environment that points `compress` to it.
    static func cache(in folder: TemporaryFolder) throws -> (cache: HubCacheFixture, environment: [String: String]) {
        let cache = try HubCacheFixture(folder: folder.file("hub"))
        try cache.add("org/tiny", from: Fixtures.path("tiny-llama"), commit: main)
        try folder.copy(fixture: "tiny-llama", to: "v2")
        try folder.write("v2/README.md", text: "# tiny\n")
        try cache.add("org/tiny", from: folder.file("v2"), commit: tagged, references: ["v2"])
        try cache.add("org/calib", from: Fixtures.path("models/llama_calib"), commit: main)
        return (cache, ["HF_HUB_CACHE": cache.folder])
    }

    @Test func oneshotCompressesARepoIdFromTheCacheAtMainOrARevision() throws {
        let folder = TemporaryFolder("hub-cli")
        let (_, environment) = try Self.cache(in: folder)
        for (revision, copied) in [([String](), ["generation_config.json"]), (["--revision", "v2"], ["README.md", "generation_config.json"])] {
            let output = folder.file("out-\(revision.count)")
            let result = try CompressBinary.run(["oneshot", "--model", "org/tiny", "--recipe", Self.recipe, "--output", output, "--json"] + revision,
                                                environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try JSONParser.parse(result.stdout)["files_copied"] == .array(copied.map(JSONValue.string)))
            let files = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
            #expect(files == (copied + ["config.json", "model.safetensors", "recipe.yaml"]).sorted())
            // The copies are files, not links into the cache.
            #expect(try files.allSatisfy { try FileManager.default.attributesOfItem(atPath: output + "/" + $0)[.type] as? FileAttributeType == .typeRegular })
        }
    }

    @Test func everyCommandThatTakesAModelTakesARepoId() throws {
        let folder = TemporaryFolder("hub-cli")
        let (_, environment) = try Self.cache(in: folder)
        let text = try folder.write("text.txt", text: String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 8))
        let commands = [
            ["inspect", "org/tiny", "--revision", "v2", "--json"],
            ["verify", Fixtures.path("tiny-llama--FP8_DYNAMIC"), "--against", "org/tiny"],
            ["bench", "--model", "org/tiny", "--recipe", Self.recipe, "--runs", "1", "--scratch", folder.path, "--json"],
            ["eval", "--model", "org/calib", "--text", text, "--context", "16", "--windows", "1", "--json"],
            ["generate", "--model", "org/calib", "--revision", Self.main, "--prompt", "the", "--max-tokens", "2", "--json"],
        ]
        for arguments in commands {
            let result = try CompressBinary.run(arguments, environment: environment)
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
        }
    }

    @Test func aRepoIdNotInTheCacheIsOneLineNamingTheCache() throws {
        let folder = TemporaryFolder("hub-cli")
        let (cache, environment) = try Self.cache(in: folder)
        let missing = try CompressBinary.run(["oneshot", "--model", "org/missing", "--recipe", Self.recipe, "--output", folder.file("out")],
                                             environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: org/missing: no such folder, and not in the Hugging Face cache \(cache.folder) (no models--org--missing); nothing is downloaded: fetch it first with `hf download org/missing`\n")
        let revision = try CompressBinary.run(["inspect", "org/tiny", "--revision", "v3"], environment: environment)
        #expect(revision.status == 1)
        #expect(revision.stderr == "error: org/tiny: revision 'v3' is not in the Hugging Face cache (no \(cache.repositoryFolder("org/tiny"))/snapshots/v3); nothing is downloaded: fetch it first with `hf download org/tiny --revision v3`\n")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test func aRevisionNeedsARepoId() throws {
        let local = Fixtures.path("tiny-llama")
        let inspect = try CompressBinary.run(["inspect", local, "--revision", "v2"])
        #expect(inspect.status == 1)
        #expect(inspect.stderr == "error: \(local): is a local folder; a revision ('v2') applies only to a repo id in the Hugging Face cache\n")
        let verify = try CompressBinary.run(["verify", Fixtures.path("tiny-llama--FP8_DYNAMIC"), "--revision", "v2"])
        #expect(verify.status == 64)
        #expect(verify.stderr.contains("--revision applies to the model of --against"))
    }

    @Test func theCacheFolderDefaultsToHuggingFaceHome() throws {
        let folder = TemporaryFolder("hub-cli")
        let (cache, _) = try Self.cache(in: folder)
        try FileManager.default.createDirectory(atPath: folder.file("home"), withIntermediateDirectories: false)
        try FileManager.default.moveItem(atPath: cache.folder, toPath: folder.file("home/hub"))
        let result = try CompressBinary.run(["inspect", "org/tiny"], environment: ["HF_HUB_CACHE": "", "HF_HOME": folder.file("home")])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
