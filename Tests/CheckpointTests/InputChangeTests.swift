import Checkpoint
import Foundation
import Testing
import TestSupport

/// A mapped file that is truncated or written to after it was opened is noticed by one `fstat`,
/// before a read of a lost page could kill the process or mix two versions of the file.
@Suite struct InputChangeTests {
    /// A 4096-byte file whose modification time is an hour in the past, so that any write moves it.
    static func file(in folder: TemporaryFolder) throws -> String {
        let path = try folder.write("data.bin", [UInt8](repeating: 7, count: 4096))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: path)
        return path
    }

    @Test func anUnchangedFilePasses() throws {
        let folder = TemporaryFolder("change")
        let mapped = try MappedFile(path: try Self.file(in: folder))
        try mapped.checkUnchanged()
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: mapped.path)
        try mapped.checkUnchanged()
    }

    @Test(arguments: [100, 8192])
    func aNewSizeIsNamed(_ size: Int) throws {
        let folder = TemporaryFolder("change")
        let mapped = try MappedFile(path: try Self.file(in: folder))
        #expect(truncate(mapped.path, off_t(size)) == 0)
        #expect(throws: CheckpointError.inputChanged(file: mapped.path, reason: "its size went from 4096 to \(size) bytes while it was being read")) {
            try mapped.checkUnchanged()
        }
    }

    @Test func aWriteInPlaceIsNamed() throws {
        let folder = TemporaryFolder("change")
        let mapped = try MappedFile(path: try Self.file(in: folder))
        let handle = try #require(FileHandle(forWritingAtPath: mapped.path))
        try handle.seek(toOffset: 10)
        try handle.write(contentsOf: [8])
        try handle.close()
        #expect(throws: CheckpointError.inputChanged(file: mapped.path, reason: "it was written to while it was being read")) {
            try mapped.checkUnchanged()
        }
        #expect(CheckpointError.inputChanged(file: "f", reason: "r").description == "f: r; the input must not change during a run")
    }

    /// A deleted file stays mapped and readable: nothing changed for the reader.
    @Test func aDeletedFileStillReads() throws {
        let folder = TemporaryFolder("change")
        let mapped = try MappedFile(path: try Self.file(in: folder))
        try FileManager.default.removeItem(atPath: mapped.path)
        try mapped.checkUnchanged()
        #expect(mapped.bytes.allSatisfy { $0 == 7 })
    }

    @Test func outputErrorsNameTheDestinationNotTheTemporaryFolder() {
        let working = OutputFolder.workingPath(for: "/data/out")
        #expect(OutputFolder.naming(.outputFailed(path: working + "/model.safetensors", reason: "No space left on device"), destination: "/data/out")
                == .outputFailed(path: "/data/out/model.safetensors", reason: "No space left on device"))
        let elsewhere = CheckpointError.outputFailed(path: "/data/other/x", reason: "r")
        #expect(OutputFolder.naming(elsewhere, destination: "/data/out") == elsewhere)
    }
}
