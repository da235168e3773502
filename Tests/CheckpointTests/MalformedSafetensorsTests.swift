import Checkpoint
import Foundation
import Testing
import TestSupport

/// A corpus of broken safetensors files: each is refused with its own error, never a crash.
@Suite struct MalformedSafetensorsTests {
    typealias B = SafetensorsBuilder

    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let bytes: [UInt8]
        let expected: @Sendable (String) -> CheckpointError
        var testDescription: String { label }
    }

    static let u8x4 = B.entry("t", "U8", [4], 0, 4)

    static let cases: [Case] = [
        Case(label: "empty file", bytes: [], expected: { .fileTooSmall(file: $0, size: 0) }),
        Case(label: "shorter than the length prefix", bytes: [1, 2, 3, 4, 5], expected: { .fileTooSmall(file: $0, size: 5) }),
        Case(label: "header longer than the file", bytes: B.file(header: "{}", data: [], declaredLength: 50),
             expected: { .headerBeyondFile(file: $0, length: 50, fileSize: 10) }),
        Case(label: "header over the 100 MB limit", bytes: B.file(header: "{}", data: [], declaredLength: 100_000_001),
             expected: { .headerTooLarge(file: $0, length: 100_000_001, limit: 100_000_000) }),
        Case(label: "header is a JSON array", bytes: B.file(header: "[1,2]", data: []),
             expected: { .invalidHeader(file: $0, reason: "does not start with '{'") }),
        Case(label: "header is a JSON string", bytes: B.file(header: "\"x\"", data: []),
             expected: { .invalidHeader(file: $0, reason: "does not start with '{'") }),
        Case(label: "truncated JSON", bytes: B.file(header: "{\"t\":", data: []),
             expected: { .invalidHeader(file: $0, reason: "invalid JSON: unexpected end of input") }),
        Case(label: "bytes after the JSON object", bytes: B.file(header: "{} x", data: []),
             expected: { .invalidHeader(file: $0, reason: "invalid JSON: unexpected character") }),
        Case(label: "metadata not an object", bytes: B.file(header: "{\"__metadata__\":[1]}", data: []),
             expected: { .invalidMetadata(file: $0, reason: "is an array, not an object") }),
        Case(label: "metadata value not a string", bytes: B.file(header: "{\"__metadata__\":{\"format\":1}}", data: []),
             expected: { .invalidMetadata(file: $0, reason: "value of 'format' is a number, not a string") }),
        Case(label: "tensor entry not an object", bytes: B.file(header: "{\"t\":3}", data: []),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "entry is a number, not an object") }),
        Case(label: "missing dtype", bytes: B.file(header: "{\"t\":{\"shape\":[1],\"data_offsets\":[0,1]}}", data: [0]),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "missing or non-string 'dtype'") }),
        Case(label: "unknown dtype", bytes: B.file(header: B.header([B.entry("t", "F12", [1], 0, 1)]), data: [0]),
             expected: { .unknownDType(file: $0, tensor: "t", dtype: "F12") }),
        Case(label: "negative dimension", bytes: B.file(header: B.header([B.entry("t", "U8", [-4], 0, 4)]), data: [0, 0, 0, 0]),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "'shape' holds -4, not a non-negative integer") }),
        Case(label: "fractional dimension", bytes: B.file(header: "{\"t\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", data: [0]),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "'shape' holds 1.5, not a non-negative integer") }),
        Case(label: "three data offsets", bytes: B.file(header: "{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", data: [0]),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "data_offsets has 3 entries, not 2") }),
        Case(label: "offsets out of order", bytes: B.file(header: B.header([B.entry("t", "U8", [4], 4, 0)]), data: [0, 0, 0, 0]),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "data_offsets [4, 0] are out of order") }),
        Case(label: "span does not match shape", bytes: B.file(header: B.header([B.entry("t", "F32", [2], 0, 4)]), data: [0, 0, 0, 0]),
             expected: { .byteSizeMismatch(file: $0, tensor: "t", expected: 8, actual: 4) }),
        Case(label: "overlapping tensors", bytes: B.file(header: B.header([B.entry("a", "U8", [4], 0, 4), B.entry("b", "U8", [4], 2, 6)]), data: [UInt8](repeating: 0, count: 6)),
             expected: { .overlappingTensors(file: $0, tensor: "b", other: "a") }),
        Case(label: "hole between tensors", bytes: B.file(header: B.header([B.entry("a", "U8", [2], 0, 2), B.entry("b", "U8", [2], 4, 6)]), data: [UInt8](repeating: 0, count: 6)),
             expected: { .holeBeforeTensor(file: $0, tensor: "b", offset: 4, expected: 2) }),
        Case(label: "hole at the start", bytes: B.file(header: B.header([B.entry("a", "U8", [2], 2, 4)]), data: [0, 0, 0, 0]),
             expected: { .holeBeforeTensor(file: $0, tensor: "a", offset: 2, expected: 0) }),
        Case(label: "truncated data", bytes: B.file(header: B.header([u8x4]), data: [0, 0]),
             expected: { .dataLengthMismatch(file: $0, expected: 4, actual: 2) }),
        Case(label: "trailing bytes", bytes: B.file(header: B.header([u8x4]), data: [0, 0, 0, 0, 9]),
             expected: { .dataLengthMismatch(file: $0, expected: 4, actual: 5) }),
        Case(label: "offsets far past the end of the file", bytes: B.file(header: B.header([B.entry("t", "U8", [1 << 40], 0, 1 << 40)]), data: [0]),
             expected: { .dataLengthMismatch(file: $0, expected: 1 << 40, actual: 1) }),
        Case(label: "shape that overflows", bytes: B.file(header: B.header([B.entry("t", "F32", [1 << 62, 1 << 62], 0, 0)]), data: []),
             expected: { .shapeOverflow(file: $0, tensor: "t", shape: [1 << 62, 1 << 62]) }),
        Case(label: "bytes that overflow", bytes: B.file(header: B.header([B.entry("t", "F64", [1 << 61], 0, 0)]), data: []),
             expected: { .shapeOverflow(file: $0, tensor: "t", shape: [1 << 61]) }),
        Case(label: "integer beyond 64 bits", bytes: B.file(header: "{\"t\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999],\"data_offsets\":[0,0]}}", data: []),
             expected: { .invalidHeader(file: $0, reason: "an integer does not fit in 64 bits") }),
        Case(label: "duplicate tensor name", bytes: B.file(header: B.header([B.entry("t", "U8", [2], 0, 2), B.entry("t", "U8", [2], 2, 4)]), data: [0, 0, 0, 0]),
             expected: { .duplicateTensor(file: $0, tensor: "t") }),
        Case(label: "unexpected field", bytes: B.file(header: "{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"extra\":1}}", data: [0]),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "unexpected field 'extra'") }),
        Case(label: "nesting bomb", bytes: B.file(header: "{\"__metadata__\":" + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}", data: []),
             expected: { .invalidMetadata(file: $0, reason: "is an array, not an object") }),
        Case(label: "nesting bomb in a shape", bytes: B.file(header: "{\"t\":{\"dtype\":\"U8\",\"shape\":" + String(repeating: "[", count: 100_000) + "]}}", data: []),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "'shape' holds an array, not a non-negative integer") }),
        Case(label: "shape of more than 16 dimensions", bytes: B.file(header: B.header([B.entry("t", "U8", Array(repeating: 1, count: 17), 0, 1)]), data: [0]),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "'shape' has more than 16 dimensions") }),
        Case(label: "duplicate field", bytes: B.file(header: "{\"t\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", data: [0]),
             expected: { .invalidHeader(file: $0, reason: "duplicate key \"dtype\"") }),
        Case(label: "control character in a name", bytes: B.file(header: "{\"t\u{1}\":{}}", data: []),
             expected: { .invalidHeader(file: $0, reason: "invalid JSON: unexpected character") }),
        Case(label: "bad escape in a name", bytes: B.file(header: "{\"t\\q\":{}}", data: []),
             expected: { .invalidHeader(file: $0, reason: "invalid JSON: invalid escape in a string") }),
        Case(label: "number with a leading zero", bytes: B.file(header: "{\"t\":{\"dtype\":\"U8\",\"shape\":[01],\"data_offsets\":[0,1]}}", data: [0]),
             expected: { .invalidHeader(file: $0, reason: "invalid JSON: unexpected character") }),
        Case(label: "tensor entry null", bytes: B.file(header: "{\"t\":null}", data: []),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "entry is null, not an object") }),
        Case(label: "missing data_offsets", bytes: B.file(header: "{\"t\":{\"dtype\":\"U8\",\"shape\":[1]}}", data: [0]),
             expected: { .invalidTensorEntry(file: $0, tensor: "t", reason: "missing or non-array 'data_offsets'") }),
        Case(label: "sub-byte dtype with an odd count", bytes: B.file(header: B.header([B.entry("t", "F4", [3], 0, 2)]), data: [0, 0]),
             expected: { .partialBytes(file: $0, tensor: "t", dtype: "F4", shape: [3]) }),
    ]

    @Test(arguments: cases)
    func isRefusedWithItsOwnError(_ c: Case) throws {
        let folder = TemporaryFolder("malformed")
        let path = try folder.write("bad.safetensors", c.bytes)
        #expect(throws: c.expected(path)) { try SafetensorsFile(path: path) }
    }
}
