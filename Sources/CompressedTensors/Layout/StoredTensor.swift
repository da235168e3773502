import Checkpoint

/// A tensor a quantized module holds (or may hold), with the dtype and shape its config implies.
public struct StoredTensor: Sendable, Equatable {
    public let name: String
    /// The dtype, or nil for a tensor stored in the original weight's float dtype when that is
    /// not known.
    public let dtype: DType?
    /// The shape, or nil when the config does not fix it.
    public let shape: [Int]?
    /// Whether the tensor may be absent.
    public let optional: Bool

    public init(name: String, dtype: DType?, shape: [Int]?, optional: Bool = false) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.optional = optional
    }

    /// The tensor to write, when its dtype and shape are both fixed.
    public var output: OutputTensor? {
        guard let dtype, let shape else { return nil }
        return OutputTensor(name: name, dtype: dtype, shape: shape)
    }
}
