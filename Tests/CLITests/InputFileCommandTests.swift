import Checkpoint
import Foundation
import Testing
import TestSupport

/// Files that `compress` reads: a FIFO where a file is expected is refused with one line naming it,
/// instead of blocking for ever; a file of the model folder that links outside it is not copied
/// into the output; copies keep their permissions.
@Suite struct InputFileCommandTests {
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"
    static let refusal = "cannot open: a FIFO (named pipe), not a regular file"

    /// Runs `compress ARGUMENTS` with `fifo` in place, and expects one error line ending in
    /// `message` without the command ever waiting on the FIFO.
    static func expectRefusal(_ arguments: [String], fifo: FIFO, _ message: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (result, blocked) = try fifo.run { try CompressBinary.run(arguments) }
        #expect(!blocked, "compress waited on the FIFO", sourceLocation: sourceLocation)
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(result.stderr == "error: \(message)\n", sourceLocation: sourceLocation)
    }

    @Test func oneshotRefusesAFIFOAmongTheModelsFiles() throws {
        let folder = TemporaryFolder("input-cli")
        let model = try folder.copy(fixture: "tiny-llama")
        let fifo = try FIFO(model + "/notes.txt")
        try Self.expectRefusal(["oneshot", "--model", model, "--recipe", Self.recipe, "--output", folder.file("out"), "--quiet"],
                               fifo: fifo, "\(fifo.path): \(Self.refusal)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model"])
    }

    @Test func oneshotRefusesAFIFORecipe() throws {
        let folder = TemporaryFolder("input-cli")
        let fifo = try FIFO(folder.file("recipe.yaml"))
        try Self.expectRefusal(["oneshot", "--model", Fixtures.path("tiny-llama"), "--recipe", fifo.path, "--output", folder.file("out")],
                               fifo: fifo, "\(fifo.path): cannot read recipe: a FIFO (named pipe), not a regular file")
    }

    @Test func evalRefusesAFIFOText() throws {
        let folder = TemporaryFolder("input-cli")
        let fifo = try FIFO(folder.file("text.txt"))
        try Self.expectRefusal(["eval", "--model", Fixtures.path("models/llama_calib"), "--text", fifo.path],
                               fifo: fifo, "\(fifo.path): \(Self.refusal)")
    }

    @Test func generateRefusesAFIFOGenerationConfig() throws {
        let folder = TemporaryFolder("input-cli")
        let model = try folder.copy(fixture: "models/llama_calib")
        try FileManager.default.removeItem(atPath: model + "/generation_config.json")
        let fifo = try FIFO(model + "/generation_config.json")
        try Self.expectRefusal(["generate", "--model", model, "--prompt", "the", "--max-tokens", "1"],
                               fifo: fifo, "\(fifo.path): \(Self.refusal)")
    }

    @Test func oneshotRefusesAFileThatLinksOutsideTheModel() throws {
        let folder = TemporaryFolder("input-cli")
        let model = try folder.copy(fixture: "tiny-llama")
        try FileManager.default.createSymbolicLink(atPath: model + "/notes.txt", withDestinationPath: "/etc/passwd")
        let result = try CompressBinary.run(["oneshot", "--model", model, "--recipe", Self.recipe, "--output", folder.file("out"), "--quiet"])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(model)/notes.txt: links to /etc/passwd, outside the model folder; refused\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model"])
    }

    @Test func oneshotCopiesAPrivateFileAsPrivate() throws {
        let folder = TemporaryFolder("input-cli")
        let model = try folder.copy(fixture: "tiny-llama")
        try folder.write("model/notes.txt", text: "private")
        #expect(chmod(model + "/notes.txt", 0o600) == 0)
        let result = try CompressBinary.run(["oneshot", "--model", model, "--recipe", Self.recipe, "--output", folder.file("out"), "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.file("out/notes.txt"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }
}
