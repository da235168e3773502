/// One tensor's entry in a safetensors header, validated.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range within the file's data section (after the header).
    public let dataRange: Range<Int>

    public init(name: String, dtype: DType, shape: [Int], dataRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataRange = dataRange
    }

    /// The largest dimension taken as that of a real weight (2^40), far beyond any model's: larger
    /// shapes and sizes are refused wherever they would enter layout arithmetic, which then cannot overflow.
    public static let largestDimension = 1 << 40

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { dataRange.count }
}
