import Checkpoint
import Foundation
import Testing
import TestSupport

/// Inputs that the libFuzzer targets of FuzzTesting/ found crashing the checkpoint layer, kept in
/// Tests/Fixtures/fuzz-regressions: each is now refused with one clean error.
@Suite struct CheckpointFuzzRegressionTests {
    /// fuzz-shard-index: `total_size` 851e400 overflows to infinity, and converting it to Int64 trapped.
    @Test func indexWithAnInfiniteTotalSizeIsRefused() throws {
        let path = Fixtures.path("fuzz-regressions/shard-index/total-size-infinite.json")
        #expect(throws: CheckpointError.invalidIndex(file: path, reason: "metadata.total_size 851e400 is not a byte count")) {
            try ShardIndex(path: path)
        }
    }

    @Test(arguments: ["1e19", "9223372036854775807.0", "1.5", "-1", "\"8\""])
    func indexTotalSizeMustBeAWholeByteCount(_ literal: String) throws {
        let text = "{\"metadata\":{\"total_size\":\(literal)},\"weight_map\":{}}"
        #expect(throws: CheckpointError.invalidIndex(file: "index.json", reason: "metadata.total_size \(literal) is not a byte count")) {
            try Self.index(text)
        }
    }

    @Test(arguments: ["8", "8.0", "8e0"])
    func indexTotalSizeMayBeWrittenAsAWholeFloat(_ literal: String) throws {
        #expect(try Self.index("{\"metadata\":{\"total_size\":\(literal)},\"weight_map\":{}}").totalSize == 8)
    }

    static func index(_ text: String) throws(CheckpointError) -> ShardIndex {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(CheckpointError) -> ShardIndex in try ShardIndex(file: "index.json", bytes: buffer) }
        }
        return try result.get()
    }
}
