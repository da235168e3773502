/// An open, validated safetensors file: its header and zero-copy views of its tensors.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let header: SafetensorsHeader
    public let mapped: MappedFile

    /// Maps `path` and validates its header. Only the header is read, and its pages are then
    /// dropped from the resident set; tensor data stays on disk until a view of it is touched.
    public init(path: String) throws(CheckpointError) {
        self.path = path
        mapped = try MappedFile(path: path)
        header = try SafetensorsHeader(file: path, bytes: mapped.bytes)
        mapped.release(0..<header.dataOffset)
    }

    public var tensors: [TensorInfo] { header.tensors }

    /// The tensor named `name`, found by a scan of the header (`Checkpoint.tensor(named:)` is the
    /// indexed lookup over all shards).
    /// - Complexity: O(n) in the number of tensors.
    public func info(_ name: String) -> TensorInfo? { header.tensors.first { $0.name == name } }

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
