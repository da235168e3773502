import Foundation
import Testing
import TestSupport
@testable import Checkpoint

/// The header reader reads JSON token by token: what JSON allows is read as JSON means it, and
/// the bounds that keep memory a small multiple of the header hold.
@Suite struct SafetensorsHeaderTests {
    typealias B = SafetensorsBuilder

    static func header(_ text: String, data: [UInt8] = [], maxTensorCount: Int = SafetensorsHeader.maxTensorCount) throws -> SafetensorsHeader {
        let bytes = B.file(header: text, data: data)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(CheckpointError) -> SafetensorsHeader in
                try SafetensorsHeader(file: "h.safetensors", bytes: buffer, maxTensorCount: maxTensorCount)
            }
        }
        return try result.get()
    }

    @Test func whitespaceEscapesAndMemberOrderAreJSONs() throws {
        let text = """
            { "__metadata__" : { "format" : "pt", "note": "a\\"b\\\\c\\u00e9\\ud83d\\ude00\\n" } ,
              "caf\\u00e9.w" : { "data_offsets" : [ 0 , 2 ] , "shape" : [ 2 ], "dtype" : "U8" },
              "b\\/x" : {"dtype":"U8","shape":[],"data_offsets":[2,3]} }\t\r\n
            """
        let header = try Self.header(text, data: [1, 2, 3])
        #expect(header.tensors.map(\.name) == ["café.w", "b/x"])
        #expect(header.tensors.map(\.shape) == [[2], []])
        #expect(header.metadata == ["format": "pt", "note": "a\"b\\cé😀\n"])
    }

    @Test func aLoneSurrogateBecomesTheReplacementCharacter() throws {
        let header = try Self.header("{\"a\\ud800b\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}")
        #expect(header.tensors.map(\.name) == ["a\u{FFFD}b"])
    }

    /// Every entry is checked against the count cap before it is kept.
    @Test func moreTensorsThanTheCapAreRefused() throws {
        let entries = (0..<5).map { B.entry("t\($0)", "U8", [0], 0, 0) }
        #expect(try Self.header(B.header(entries), maxTensorCount: 5).tensors.count == 5)
        #expect(throws: CheckpointError.invalidHeader(file: "h.safetensors", reason: "declares more than 4 tensors")) {
            try Self.header(B.header(entries), maxTensorCount: 4)
        }
    }

    /// A hundred thousand empty tensors (5 MB of header) are read into names and shapes alone.
    @Test func manyEmptyTensorsAreRead() throws {
        let entries = (0..<100_000).map { B.entry("t\($0)", "F32", [0], 0, 0) }
        let header = try Self.header(B.header(entries))
        #expect(header.tensors.count == 100_000)
        #expect(header.tensors.allSatisfy { $0.shape == [0] && $0.byteCount == 0 })
    }
}
