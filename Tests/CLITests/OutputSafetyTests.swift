import Checkpoint
import Foundation
import Testing
import TestSupport

/// `--overwrite` never deletes an input or a folder that is not a compressed checkpoint: such an
/// output is refused in one line, with or without it, and nothing is touched.
@Suite struct OutputSafetyTests {
    static let model = Fixtures.path("tiny-llama")
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"

    static func oneshot(model: String = model, recipe: String = recipe, output: String, _ options: [String] = [],
                        in directory: String? = nil) throws -> CompressBinary.Result {
        try CompressBinary.run(["oneshot", "--model", model, "--recipe", recipe, "--output", output, "--quiet"] + options, in: directory)
    }

    static func contents(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    /// Expects `result` to be a refusal: exit code 1, one line holding `words`, not suggesting `--overwrite`.
    static func expectRefused(_ result: CompressBinary.Result, saying words: String) {
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(words), "\(result.stderr)")
        #expect(!result.stderr.contains("--overwrite"), "\(result.stderr)")
    }

    /// work/models/model (a copy of the tiny model) beside work/models/notes.txt and work/notes.txt.
    static func workspace(in folder: TemporaryFolder) throws -> String {
        try FileManager.default.createDirectory(atPath: folder.file("work/models"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: model, toPath: folder.file("work/models/model"))
        try folder.write("work/models/notes.txt", text: "mine")
        try folder.write("work/notes.txt", text: "mine")
        try FileManager.default.createSymbolicLink(atPath: folder.file("link"), withDestinationPath: folder.file("work/models"))
        return folder.file("work/models/model")
    }

    @Test(arguments: [("work/models", nil), ("work", nil), (".", "work/models"), ("..", "work/models/model"), ("link", nil)] as [(String, String?)])
    func anOutputHoldingTheModelIsRefused(_ output: String, _ directory: String?) throws {
        let folder = TemporaryFolder("output-safety")
        let model = try Self.workspace(in: folder)
        let path = directory == nil ? folder.file(output) : output
        for overwrite in [[], ["--overwrite"]] {
            let result = try Self.oneshot(model: model, output: path, overwrite, in: directory.map(folder.file) ?? folder.path)
            Self.expectRefused(result, saying: "holds the model folder \(model), which this run reads")
        }
        #expect(try Self.contents(folder.path) == ["link", "work"])
        #expect(try Self.contents(folder.file("work")) == ["models", "notes.txt"])
        #expect(try Self.contents(folder.file("work/models")) == ["model", "notes.txt"])
        #expect(try Self.contents(model) == ["config.json", "generation_config.json", "model.safetensors"])
    }

    @Test func aProjectFolderIsNeverReplaced() throws {
        let folder = TemporaryFolder("output-safety")
        try FileManager.default.createDirectory(atPath: folder.file("project/.git"), withIntermediateDirectories: true)
        try folder.write("project/.git/HEAD", text: "ref: refs/heads/main\n")
        try folder.write("project/README.md", text: "mine")
        let result = try Self.oneshot(output: ".", ["--overwrite"], in: folder.file("project"))
        Self.expectRefused(result, saying: "does not look like a compressed checkpoint (it holds the folder .git): it is never replaced")
        #expect(try Self.contents(folder.file("project")) == [".git", "README.md"])
        #expect(try Self.contents(folder.path) == ["project"])
    }

    @Test func aFolderThatIsNotACheckpointIsNeverReplaced() throws {
        let folder = TemporaryFolder("output-safety")
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: false)
        try folder.write("out/mine.txt", text: "keep")
        for overwrite in [[], ["--overwrite"]] {
            Self.expectRefused(try Self.oneshot(output: folder.file("out"), overwrite), saying: "does not look like a compressed checkpoint")
        }
        #expect(try Self.contents(folder.file("out")) == ["mine.txt"])
        #expect(try Self.contents(folder.path) == ["out"])
    }

    @Test func aPreviousOutputIsReplacedWithOverwriteAndItsContentsAreGone() throws {
        let folder = TemporaryFolder("output-safety")
        #expect(try Self.oneshot(output: folder.file("out")).status == 0)
        try folder.write("out/old-only.txt", text: "old")
        let refused = try Self.oneshot(output: folder.file("out"))
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: \(folder.file("out")): already holds a checkpoint (pass --overwrite to replace it)\n")
        let w8a8 = Fixtures.repositoryRoot + "/recipes/w8a8.yaml"
        let replaced = try Self.oneshot(recipe: w8a8, output: folder.file("out"), ["--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try Self.contents(folder.file("out")) == ["config.json", "generation_config.json", "model.safetensors", "recipe.yaml"])
        #expect(try String(contentsOfFile: folder.file("out/recipe.yaml"), encoding: .utf8).contains("W8A8"))
        #expect(try Self.contents(folder.path) == ["out"])
    }

    @Test func anOutputHoldingTheRecipeIsRefused() throws {
        let folder = TemporaryFolder("output-safety")
        #expect(try Self.oneshot(output: folder.file("out")).status == 0)
        let before = try Self.contents(folder.file("out"))
        let result = try Self.oneshot(recipe: folder.file("out/recipe.yaml"), output: folder.file("out"), ["--overwrite"])
        Self.expectRefused(result, saying: "holds the recipe \(folder.file("out/recipe.yaml")), which this run reads")
        #expect(try Self.contents(folder.file("out")) == before)
    }

    @Test func anOutputHoldingTheDatasetIsRefused() throws {
        let folder = TemporaryFolder("output-safety")
        let model = Fixtures.path("models/llama_calib")
        #expect(try Self.oneshot(model: model, output: folder.file("out")).status == 0)
        try FileManager.default.copyItem(atPath: Fixtures.path("calibration/text.txt"), toPath: folder.file("out/text.txt"))
        let before = try Self.contents(folder.file("out"))
        let result = try Self.oneshot(model: model, recipe: Fixtures.repositoryRoot + "/recipes/fp8_static.yaml", output: folder.file("out"), [
            "--overwrite", "--dataset", folder.file("out/text.txt"), "--num-calibration-samples", "2", "--max-seq-length", "16",
        ])
        Self.expectRefused(result, saying: "holds the dataset \(folder.file("out/text.txt")), which this run reads")
        #expect(try Self.contents(folder.file("out")) == before)
    }
}
