/// A tensor to be written: its name, type and shape, known before its bytes are.
public struct OutputTensor: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// Bytes of the tensor's data. Shapes we write come from validated inputs, so this cannot overflow.
    public var byteCount: Int { dtype.byteCount(elements: shape.reduce(1, *)) ?? 0 }
}
