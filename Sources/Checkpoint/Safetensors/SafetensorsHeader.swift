import JSON

/// The header of a safetensors file, validated against every rule of the format: a JSON object of
/// at most `maxHeaderLength` bytes; `__metadata__` a map of strings; each tensor with a known
/// dtype, a shape of at most `maxRank` dimensions whose element count does not overflow, and data
/// offsets whose span is exactly the tensor's byte size; spans contiguous from 0 with no hole or
/// overlap, ending at the file's end; at most `maxTensorCount` tensors.
///
/// The JSON is read token by token into `TensorInfo`s (`HeaderScanner`): no document tree is
/// built, so memory is that of the tensors' names and shapes, a small multiple of the header.
public struct SafetensorsHeader: Sendable {
    /// The largest header the format allows (100 MB, as in huggingface/safetensors).
    public static let maxHeaderLength = 100_000_000
    /// The most dimensions a shape may have. Models' tensors have at most 5 (PyTorch allows 64);
    /// the cap keeps a shape like `[1, 1, ...]` of millions of ones from holding memory.
    public static let maxRank = 16
    /// The most tensors one file may hold: far beyond any checkpoint's shard, well below the two
    /// million or so empty tensors a 100 MB header can declare.
    public static let maxTensorCount = 1_000_000

    /// Tensors in the order of their data in the file.
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    /// Offset of the data section in the file: 8 + header length.
    public let dataOffset: Int

    /// Parses and validates the header of a file of `bytes`, named `file` in errors.
    public init(file: String, bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        try self.init(file: file, bytes: bytes, maxTensorCount: Self.maxTensorCount)
    }

    /// As `init(file:bytes:)`, refusing more than `maxTensorCount` tensors.
    init(file: String, bytes: UnsafeRawBufferPointer, maxTensorCount: Int) throws(CheckpointError) {
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
        dataOffset = 8 + Int(length)
        var scanner = HeaderScanner(headerBytes, file: file)
        var metadata: [String: String]?
        var tensors: [TensorInfo] = []
        var names = Set<String>()
        try scanner.expect(UInt8(ascii: "{"))
        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                let name = try scanner.string()
                try scanner.expect(UInt8(ascii: ":"))
                if name == "__metadata__" {
                    guard metadata == nil else { throw Self.duplicateKey(file: file, name, depth: 1) }
                    metadata = try Self.parseMetadata(file: file, &scanner)
                    continue
                }
                guard names.insert(name).inserted else { throw .duplicateTensor(file: file, tensor: name) }
                guard tensors.count < maxTensorCount else {
                    throw .invalidHeader(file: file, reason: "declares more than \(maxTensorCount) tensors")
                }
                tensors.append(try Self.parseTensor(file: file, name: name, &scanner))
            } while try scanner.separator(closing: UInt8(ascii: "}"))
        }
        try scanner.expectEnd()
        tensors.sort { ($0.dataRange.lowerBound, $0.dataRange.upperBound) < ($1.dataRange.lowerBound, $1.dataRange.upperBound) }
        try Self.checkContiguous(file: file, tensors, dataLength: bytes.count - dataOffset)
        self.tensors = tensors
        self.metadata = metadata ?? [:]
    }

    private static func parseMetadata(file: String, _ scanner: inout HeaderScanner) throws(CheckpointError) -> [String: String] {
        let kind = try scanner.peekKind()
        guard kind == .object else { throw .invalidMetadata(file: file, reason: "is \(kind.name), not an object") }
        try scanner.expect(UInt8(ascii: "{"))
        var result: [String: String] = [:]
        if scanner.consume(UInt8(ascii: "}")) { return result }
        repeat {
            let key = try scanner.string()
            try scanner.expect(UInt8(ascii: ":"))
            let valueKind = try scanner.peekKind()
            guard valueKind == .string else {
                throw .invalidMetadata(file: file, reason: "value of '\(key)' is \(valueKind.name), not a string")
            }
            guard result.updateValue(try scanner.string(), forKey: key) == nil else { throw duplicateKey(file: file, key, depth: 2) }
        } while try scanner.separator(closing: UInt8(ascii: "}"))
        return result
    }

    private static func parseTensor(file: String, name: String, _ scanner: inout HeaderScanner) throws(CheckpointError) -> TensorInfo {
        let kind = try scanner.peekKind()
        guard kind == .object else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "entry is \(kind.name), not an object")
        }
        try scanner.expect(UInt8(ascii: "{"))
        var dtypeName: String?
        var rawShape: [Int64]?
        var offsets: [Int64]?
        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                let field = try scanner.string()
                try scanner.expect(UInt8(ascii: ":"))
                switch field {
                case "dtype":
                    guard dtypeName == nil else { throw duplicateKey(file: file, field, depth: 2) }
                    guard try scanner.peekKind() == .string else {
                        throw .invalidTensorEntry(file: file, tensor: name, reason: "missing or non-string 'dtype'")
                    }
                    dtypeName = try scanner.string()
                case "shape":
                    guard rawShape == nil else { throw duplicateKey(file: file, field, depth: 2) }
                    rawShape = try integers(&scanner, field: field, limit: maxRank, exact: false, file: file, tensor: name)
                case "data_offsets":
                    guard offsets == nil else { throw duplicateKey(file: file, field, depth: 2) }
                    offsets = try integers(&scanner, field: field, limit: 2, exact: true, file: file, tensor: name)
                default:
                    throw .invalidTensorEntry(file: file, tensor: name, reason: "unexpected field '\(field)'")
                }
            } while try scanner.separator(closing: UInt8(ascii: "}"))
        }
        guard let dtypeName else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "missing or non-string 'dtype'")
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw .unknownDType(file: file, tensor: name, dtype: dtypeName) }
        guard let rawShape else { throw .invalidTensorEntry(file: file, tensor: name, reason: "missing or non-array 'shape'") }
        guard let offsets else { throw .invalidTensorEntry(file: file, tensor: name, reason: "missing or non-array 'data_offsets'") }
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

    /// A JSON array of non-negative integers, at most `limit` of them (exactly `limit` when `exact`).
    private static func integers(_ scanner: inout HeaderScanner, field: String, limit: Int, exact: Bool,
                                 file: String, tensor: String) throws(CheckpointError) -> [Int64] {
        guard try scanner.peekKind() == .array else {
            throw .invalidTensorEntry(file: file, tensor: tensor, reason: "missing or non-array '\(field)'")
        }
        try scanner.expect(UInt8(ascii: "["))
        var result: [Int64] = []
        var count = 0
        if !scanner.consume(UInt8(ascii: "]")) {
            repeat {
                let item: (integer: Int64?, text: String) = try scanner.peekKind() == .number ? try scanner.number() : (nil, try scanner.excerpt())
                guard let value = item.integer, value >= 0 else {
                    throw .invalidTensorEntry(file: file, tensor: tensor, reason: "'\(field)' holds \(item.text), not a non-negative integer")
                }
                count += 1
                if count <= limit {
                    result.append(value)
                } else if !exact {
                    throw .invalidTensorEntry(file: file, tensor: tensor, reason: "'\(field)' has more than \(limit) dimensions")
                }
            } while try scanner.separator(closing: UInt8(ascii: "]"))
        }
        if exact && count != limit {
            throw .invalidTensorEntry(file: file, tensor: tensor, reason: "\(field) has \(count) entries, not \(limit)")
        }
        return result
    }

    private static func duplicateKey(file: String, _ key: String, depth: Int) -> CheckpointError {
        .invalidHeader(file: file, reason: JSONParser.Failure.duplicateKey(key, depth: depth).description)
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
