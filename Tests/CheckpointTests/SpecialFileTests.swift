import Checkpoint
import Foundation
import Testing
import TestSupport

/// A FIFO, a folder or a device where the checkpoint reader expects a file is refused with one
/// line naming it, before it is opened: opening a FIFO without a writer would block for ever.
@Suite struct SpecialFileTests {
    /// The tiny Llama, copied into `folder/model`, whose file `name` is then replaced by a FIFO.
    static func modelWithFIFO(named name: String, in folder: TemporaryFolder) throws -> (model: String, fifo: FIFO) {
        let model = try folder.copy(fixture: "tiny-llama")
        try? FileManager.default.removeItem(atPath: model + "/" + name)
        return (model, try FIFO(model + "/" + name))
    }

    static let refusal = "a FIFO (named pipe), not a regular file"

    @Test(arguments: ["model.safetensors", ModelConfig.fileName, ShardIndex.fileName])
    func aFIFOInPlaceOfACheckpointFileIsRefusedWithoutBlocking(_ name: String) throws {
        let folder = TemporaryFolder("special")
        let (model, fifo) = try Self.modelWithFIFO(named: name, in: folder)
        let (thrown, blocked) = fifo.run { Result { try Checkpoint(directory: model) } }
        #expect(!blocked, "opening the checkpoint waited on the FIFO")
        #expect(throws: CheckpointError.cannotOpen(path: fifo.path, reason: Self.refusal)) { try thrown.get() }
    }

    @Test func aFIFOAmongTheFilesToCopyIsRefusedWithoutBlocking() throws {
        let folder = TemporaryFolder("special")
        let (model, fifo) = try Self.modelWithFIFO(named: "notes.txt", in: folder)
        let checkpoint = try Checkpoint(directory: model)
        #expect(checkpoint.auxiliaryFiles().contains("notes.txt"))
        let (thrown, blocked) = fifo.run { Result { try checkpoint.openFile(named: "notes.txt") } }
        #expect(!blocked, "opening the file waited on the FIFO")
        #expect(throws: CheckpointError.cannotOpen(path: fifo.path, reason: Self.refusal)) { try thrown.get() }
    }

    @Test func aFIFOBehindASymlinkIsRefused() throws {
        let folder = TemporaryFolder("special")
        let fifo = try FIFO(folder.file("pipe"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("link.safetensors"), withDestinationPath: "pipe")
        let (thrown, blocked) = fifo.run { Result { try MappedFile(path: folder.file("link.safetensors")) } }
        #expect(!blocked)
        #expect(throws: CheckpointError.cannotOpen(path: folder.file("link.safetensors"), reason: Self.refusal)) { try thrown.get() }
    }

    @Test func aFolderOrADeviceIsRefusedByName() throws {
        let folder = TemporaryFolder("special")
        try FileManager.default.createDirectory(atPath: folder.file("model.safetensors"), withIntermediateDirectories: false)
        #expect(throws: CheckpointError.cannotOpen(path: folder.file("model.safetensors"), reason: "a folder, not a regular file")) {
            try Checkpoint(directory: folder.path)
        }
        #expect(throws: CheckpointError.cannotOpen(path: "/dev/null", reason: "a character device, not a regular file")) {
            try MappedFile(path: "/dev/null")
        }
    }
}
