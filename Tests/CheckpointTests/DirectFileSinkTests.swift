@testable import Checkpoint
import Foundation
import Testing
import TestSupport

/// Shard files written through page-aligned buffers with `O_DIRECT`: the bytes are those written,
/// whatever the sizes of the pieces, of the buffers and of the unaligned tail, and a failed
/// background write is reported naming the file.
@Suite struct DirectFileSinkTests {
    static func bytes(_ count: Int, seed: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ seed &* 17 &+ $0 >> 9) } }

    @Test(arguments: [4096, 12288])
    func piecesOfEverySizeArriveInOrder(bufferBytes: Int) throws {
        let folder = TemporaryFolder()
        let path = folder.file("shard.safetensors")
        let sink = try DirectFileSink(path: path, bufferBytes: bufferBytes)
        var expected: [UInt8] = []
        for (i, size) in [13, 0, 1, 4083, 4096, 1, 20000, 8192, 12288, 3, 40000, 5].enumerated() {
            let piece = Self.bytes(size, seed: i)
            try sink.write(piece)
            expected += piece
        }
        try sink.close()
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == expected)
    }

    @Test func aWholeNumberOfBuffersLeavesNoTail() throws {
        let folder = TemporaryFolder()
        let path = folder.file("shard.safetensors")
        let sink = try DirectFileSink(path: path, bufferBytes: 4096)
        let piece = Self.bytes(3 * 4096, seed: 1)
        try sink.write(piece)
        try sink.close()
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == piece)
    }

    @Test func replacesAnExistingFile() throws {
        let folder = TemporaryFolder()
        let path = try folder.write("shard.safetensors", Self.bytes(50000, seed: 2))
        let sink = try DirectFileSink(path: path, bufferBytes: 4096)
        try sink.write(Self.bytes(5000, seed: 3))
        try sink.close()
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == Self.bytes(5000, seed: 3))
    }

    /// `/dev/full` refuses every write with ENOSPC: the background write's failure comes back
    /// from a later `write` or from `close`, naming the file.
    @Test func aFailedWriteNamesTheFile() throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/full") else { return }
        let sink = try DirectFileSink(path: "/dev/full", bufferBytes: 4096)
        let failure = String(cString: strerror(ENOSPC))
        #expect(throws: CheckpointError.outputFailed(path: "/dev/full", reason: failure)) {
            for i in 0..<4 { try sink.write(Self.bytes(4096, seed: i)) }
            try sink.close()
        }
    }

    @Test func aMissingFolderIsNamed() {
        let folder = TemporaryFolder()
        let path = folder.file("missing/shard.safetensors")
        #expect(throws: CheckpointError.outputFailed(path: path, reason: String(cString: strerror(ENOENT)))) {
            _ = try DirectFileSink(path: path)
        }
    }
}
