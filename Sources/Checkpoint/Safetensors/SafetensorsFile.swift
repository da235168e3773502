/// An open, validated safetensors file: its header and zero-copy views of its tensors.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let header: SafetensorsHeader
    public let mapped: MappedFile
    private let byName: [String: Int]

    /// Maps `path` and validates its header. Only the header is read; tensor data stays on disk
    /// until a view of it is touched.
    public init(path: String) throws(CheckpointError) {
        self.path = path
        mapped = try MappedFile(path: path)
        header = try SafetensorsHeader(file: path, bytes: mapped.bytes)
        var byName: [String: Int] = [:]
        for (i, t) in header.tensors.enumerated() { byName[t.name] = i }
        self.byName = byName
    }

    public var tensors: [TensorInfo] { header.tensors }

    public func info(_ name: String) -> TensorInfo? { byName[name].map { header.tensors[$0] } }

    /// The bytes of `tensor` (which must come from this file's header), without a copy.
    public func data(_ tensor: TensorInfo) -> UnsafeRawBufferPointer {
        let start = header.dataOffset + tensor.dataRange.lowerBound
        return UnsafeRawBufferPointer(rebasing: mapped.bytes[start..<(start + tensor.byteCount)])
    }

    /// File offsets of `tensor`'s bytes, for page advice.
    public func fileRange(_ tensor: TensorInfo) -> Range<Int> {
        let start = header.dataOffset + tensor.dataRange.lowerBound
        return start..<(start + tensor.byteCount)
    }
}
