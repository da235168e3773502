import Checkpoint
import Foundation
import Testing
import TestSupport

/// What an output folder may replace, its lock, and the leftovers of killed runs it cleans up.
@Suite struct OutputFolderTests {
    /// Makes `folder/name` look like a compressed checkpoint, as a previous run leaves it.
    @discardableResult
    static func checkpoint(_ name: String, in folder: TemporaryFolder) throws -> String {
        try FileManager.default.createDirectory(atPath: folder.file(name), withIntermediateDirectories: true)
        try folder.write(name + "/config.json", text: #"{"model_type": "llama", "quantization_config": {"quant_method": "compressed-tensors"}}"#)
        try folder.write(name + "/recipe.yaml", text: "QuantizationModifier: {}\n")
        try folder.write(name + "/model.safetensors", [UInt8](repeating: 1, count: 1000))
        return folder.file(name)
    }

    static func contents(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    /// A process id that no process has now: that of a process that has exited.
    static func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func refusesAnOutputInsideTheInput() throws {
        let input = TemporaryFolder()
        let model = [RunInput(role: "the model folder", path: input.path)]
        #expect(throws: CheckpointError.outputFailed(path: input.file("out"), reason: "the output must not be the model folder or inside it")) {
            try OutputFolder(destination: input.file("out"), inputs: model, overwrite: true)
        }
        #expect(throws: CheckpointError.self) { try OutputFolder(destination: input.path, inputs: model, overwrite: true) }
    }

    @Test func refusesAnOutputThatHoldsAnInputEvenThroughASymlink() throws {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("models/m"), withIntermediateDirectories: true)
        try folder.write("recipe.yaml", text: "x")
        try FileManager.default.createSymbolicLink(atPath: folder.file("link"), withDestinationPath: folder.file("models"))
        let inputs = [RunInput(role: "the model folder", path: folder.file("models/m")), RunInput(role: "the recipe", path: folder.file("recipe.yaml"))]
        for output in [folder.file("models"), folder.path, folder.file("link")] {
            #expect {
                try OutputFolder(destination: output, inputs: inputs, overwrite: true)
            } throws: { error in
                "\(error)".contains("which this run reads: replacing the output would delete it; choose another output")
            }
        }
        #expect(throws: CheckpointError.outputFailed(path: folder.file("recipe.yaml"), reason: "the output must not be the recipe")) {
            try OutputFolder(destination: folder.file("recipe.yaml"), inputs: inputs, overwrite: true)
        }
        #expect(try Self.contents(folder.path) == ["link", "models", "recipe.yaml"])
    }

    @Test(arguments: [false, true])
    func aFolderThatIsNotACheckpointIsNeverReplaced(overwrite: Bool) throws {
        let parent = TemporaryFolder()
        try FileManager.default.createDirectory(atPath: parent.file("notes"), withIntermediateDirectories: false)
        try parent.write("notes/keep.txt", text: "mine")
        try Self.checkpoint("repository", in: parent)
        try FileManager.default.createDirectory(atPath: parent.file("repository/.git"), withIntermediateDirectories: false)
        let refusals = [
            ("notes", "does not look like a compressed checkpoint (no config.json with a quantization_config, no recipe.yaml, no .safetensors file): it is never replaced; choose another output"),
            ("repository", "does not look like a compressed checkpoint (it holds the folder .git): it is never replaced; choose another output"),
        ]
        for (name, reason) in refusals {
            #expect(throws: CheckpointError.outputFailed(path: parent.file(name), reason: reason)) {
                try OutputFolder(destination: parent.file(name), overwrite: overwrite)
            }
        }
        #expect(try Self.contents(parent.path) == ["notes", "repository"])
        #expect(try Self.contents(parent.file("notes")) == ["keep.txt"])
    }

    @Test func aPreviousCheckpointIsReplacedOnlyWithOverwrite() throws {
        let parent = TemporaryFolder()
        let destination = try Self.checkpoint("out", in: parent)
        try parent.write("out/old-only.txt", text: "old")
        #expect(throws: CheckpointError.outputFailed(path: destination, reason: "already holds a checkpoint (pass --overwrite to replace it)")) {
            try OutputFolder(destination: destination, overwrite: false)
        }
        let replacing = try OutputFolder(destination: destination, overwrite: true)
        try replacing.write(text: #"{"quantization_config": {}}"#, to: "config.json")
        try replacing.commit()
        #expect(try Self.contents(destination) == ["config.json"])
        #expect(try Self.contents(parent.path) == ["out"])
    }

    @Test func aSecondRunOfTheSameOutputIsRefusedNamingTheFirst() throws {
        let parent = TemporaryFolder()
        let first = try OutputFolder(destination: parent.file("out"), overwrite: false)
        #expect(throws: CheckpointError.outputFailed(path: parent.file("out"), reason: "another run (pid \(getpid())) is writing this output")) {
            try OutputFolder(destination: parent.file("out"), overwrite: true)
        }
        first.discard()
        let second = try OutputFolder(destination: parent.file("out"), overwrite: false)
        try second.commit()
        #expect(try Self.contents(parent.path) == ["out"])
    }

    @Test func leftoversOfDeadRunsAreRemovedAndThoseOfLiveOnesKept() throws {
        let parent = TemporaryFolder()
        let dead = try Self.deadProcessID()
        try Self.checkpoint(".out.partial-\(dead)", in: parent)
        try Self.checkpoint(".out.partial-\(dead)-old", in: parent)
        try Self.checkpoint("out", in: parent)
        try Self.checkpoint(".out.partial-1", in: parent)
        try Self.checkpoint(".other.partial-\(dead)", in: parent)
        let output = try OutputFolder(destination: parent.file("out"), overwrite: true)
        #expect(output.leftovers.removed == 2)
        #expect(output.leftovers.bytes > 2000)
        #expect(!output.leftovers.restored)
        output.discard()
        #expect(try Self.contents(parent.path) == [".other.partial-\(dead)", ".out.partial-1", "out"])
    }

    @Test func anOutputSetAsideByARunKilledWhileReplacingItIsPutBack() throws {
        let parent = TemporaryFolder()
        let dead = try Self.deadProcessID()
        try Self.checkpoint(".out.partial-\(dead)", in: parent)
        try Self.checkpoint(".out.partial-\(dead)-old", in: parent)
        try parent.write(".out.partial-\(dead)-old/old-only.txt", text: "old")
        #expect(throws: CheckpointError.outputFailed(path: parent.file("out"), reason: "already holds a checkpoint (pass --overwrite to replace it)")) {
            try OutputFolder(destination: parent.file("out"), overwrite: false)
        }
        #expect(try Self.contents(parent.path) == ["out"])
        #expect(try String(contentsOfFile: parent.file("out/old-only.txt"), encoding: .utf8) == "old")
    }
}
