/// A tensor whose bytes the caller holds in memory (a PyTorch model's parameter, say), for a
/// `Checkpoint` opened over buffers instead of safetensors files.
public struct MemoryTensor: @unchecked Sendable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// The tensor's bytes, row-major, little-endian, as a safetensors file holds them.
    public let bytes: UnsafeRawBufferPointer

    public init(name: String, dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// What a safetensors label names these tensors by, in errors.
    public static let source = "the in-memory model"

    /// The tensor's entry, as if it were alone in a file: checks that its shape and byte length
    /// agree, as the safetensors reader checks a header entry.
    func info() throws(CheckpointError) -> TensorInfo {
        var elements = 1
        for dimension in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard dimension >= 0, !overflow else { throw .shapeOverflow(file: Self.source, tensor: name, shape: shape.map(Int64.init)) }
            elements = product
        }
        guard let expected = dtype.byteCount(elements: elements) else {
            throw .partialBytes(file: Self.source, tensor: name, dtype: dtype.rawValue, shape: shape.map(Int64.init))
        }
        guard expected == bytes.count, expected == 0 || bytes.baseAddress != nil else {
            throw .byteSizeMismatch(file: Self.source, tensor: name, expected: expected, actual: bytes.count)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataRange: 0..<expected)
    }
}
