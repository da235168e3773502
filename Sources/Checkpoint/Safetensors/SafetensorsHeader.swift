/// The header of a safetensors file, validated against every rule of the format: a JSON object of
/// at most `maxHeaderLength` bytes; `__metadata__` a map of strings; each tensor with a known
/// dtype, a shape whose element count does not overflow, and data offsets whose span is exactly
/// the tensor's byte size; spans contiguous from 0 with no hole or overlap, ending at the file's end.
public struct SafetensorsHeader: Sendable {
    /// The largest header the format allows (100 MB, as in huggingface/safetensors).
    public static let maxHeaderLength = 100_000_000

    /// Tensors in the order of their data in the file.
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    /// Offset of the data section in the file: 8 + header length.
    public let dataOffset: Int

    /// Parses and validates the header of a file of `bytes`, named `file` in errors.
    public init(file: String, bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        guard bytes.count >= 8 else { throw .fileTooSmall(file: file, size: bytes.count) }
        let length = bytes.loadUnaligned(as: UInt64.self).littleEndian
        guard length <= UInt64(Self.maxHeaderLength) else {
            throw .headerTooLarge(file: file, length: length, limit: Self.maxHeaderLength)
        }
        guard length <= UInt64(bytes.count - 8) else {
            throw .headerBeyondFile(file: file, length: length, fileSize: bytes.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + Int(length))])
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw .invalidHeader(file: file, reason: "does not start with '{'")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(headerBytes) } catch {
            if case let .duplicateKey(k, depth) = error, depth == 1 { throw .duplicateTensor(file: file, tensor: k) }
            throw .invalidHeader(file: file, reason: error.description)
        }
        guard case let .object(object) = json else { throw .invalidHeader(file: file, reason: "not a JSON object") }

        dataOffset = 8 + Int(length)
        var metadata: [String: String] = [:]
        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(object.count)
        for (name, entry) in object.members {
            if name == "__metadata__" {
                metadata = try Self.parseMetadata(file: file, entry)
            } else {
                tensors.append(try Self.parseTensor(file: file, name: name, entry))
            }
        }
        tensors.sort { ($0.dataRange.lowerBound, $0.dataRange.upperBound) < ($1.dataRange.lowerBound, $1.dataRange.upperBound) }
        try Self.checkContiguous(file: file, tensors, dataLength: bytes.count - dataOffset)
        self.tensors = tensors
        self.metadata = metadata
    }

    private static func parseMetadata(file: String, _ entry: JSONValue) throws(CheckpointError) -> [String: String] {
        guard case let .object(map) = entry else { throw .invalidMetadata(file: file, reason: "is \(entry.kindName), not an object") }
        var result: [String: String] = [:]
        for (key, value) in map.members {
            guard case let .string(s) = value else {
                throw .invalidMetadata(file: file, reason: "value of '\(key)' is \(value.kindName), not a string")
            }
            result[key] = s
        }
        return result
    }

    private static func parseTensor(file: String, name: String, _ entry: JSONValue) throws(CheckpointError) -> TensorInfo {
        guard case let .object(fields) = entry else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "entry is \(entry.kindName), not an object")
        }
        for key in fields.keys where !["dtype", "shape", "data_offsets"].contains(key) {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "unexpected field '\(key)'")
        }
        guard case let .string(dtypeName)? = fields["dtype"] else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "missing or non-string 'dtype'")
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw .unknownDType(file: file, tensor: name, dtype: dtypeName) }
        let rawShape = try integers(fields["shape"], field: "shape", file: file, tensor: name)
        let offsets = try integers(fields["data_offsets"], field: "data_offsets", file: file, tensor: name)
        guard offsets.count == 2 else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "data_offsets has \(offsets.count) entries, not 2")
        }
        guard offsets[0] <= offsets[1], offsets[1] <= Int64(Int.max) else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "data_offsets [\(offsets[0]), \(offsets[1])] are out of order")
        }
        var elements = 1
        for dim in rawShape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dim))
            guard !overflow else { throw .shapeOverflow(file: file, tensor: name, shape: rawShape) }
            elements = product
        }
        guard elements.multipliedReportingOverflow(by: dtype.bitWidth).overflow == false else {
            throw .shapeOverflow(file: file, tensor: name, shape: rawShape)
        }
        guard let expected = dtype.byteCount(elements: elements) else {
            throw .partialBytes(file: file, tensor: name, dtype: dtypeName, shape: rawShape)
        }
        let range = Int(offsets[0])..<Int(offsets[1])
        guard range.count == expected else {
            throw .byteSizeMismatch(file: file, tensor: name, expected: expected, actual: range.count)
        }
        return TensorInfo(name: name, dtype: dtype, shape: rawShape.map { Int($0) }, dataRange: range)
    }

    /// A JSON array of non-negative integers.
    private static func integers(_ value: JSONValue?, field: String, file: String, tensor: String) throws(CheckpointError) -> [Int64] {
        guard case let .array(items)? = value else {
            throw .invalidTensorEntry(file: file, tensor: tensor, reason: "missing or non-array '\(field)'")
        }
        var result: [Int64] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case let .integer(i) = item, i >= 0 else {
                throw .invalidTensorEntry(file: file, tensor: tensor, reason: "'\(field)' holds \(JSONWriter.compact(item)), not a non-negative integer")
            }
            result.append(i)
        }
        return result
    }

    private static func checkContiguous(file: String, _ sorted: [TensorInfo], dataLength: Int) throws(CheckpointError) {
        var end = 0
        var previous: TensorInfo? = nil
        for tensor in sorted {
            let start = tensor.dataRange.lowerBound
            if start < end, let previous { throw .overlappingTensors(file: file, tensor: tensor.name, other: previous.name) }
            if start > end { throw .holeBeforeTensor(file: file, tensor: tensor.name, offset: start, expected: end) }
            end = tensor.dataRange.upperBound
            previous = tensor
        }
        guard end == dataLength else { throw .dataLengthMismatch(file: file, expected: end, actual: dataLength) }
    }
}
