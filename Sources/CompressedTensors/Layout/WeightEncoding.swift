/// How compressed-tensors stores the values and scales of one quantized Linear weight: the
/// encodings behind the formats ("float-quantized", "pack-quantized", ...) this package writes
/// and reads.
public enum WeightEncoding: Sendable, Equatable {
    /// FP8 E4M3 `weight` with scales in the weight's dtype (FP8_DYNAMIC, FP8_BLOCK, FP8).
    case fp8(FP8Scales)
    /// Integers of up to 8 bits: one a byte in an I8 `weight` ("int-quantized", W8A8), or
    /// `packed` densely into I32 `weight_packed` words along each row ("pack-quantized", W4A16).
    case integers(IntegerEncoding, packed: Bool)
    /// FP4 E2M1 pairs in U8 `weight_packed`, an F8_E4M3 scale per 16 columns and an F32
    /// `weight_global_scale` (NVFP4).
    case nvfp4
    /// FP4 E2M1 pairs in U8 `weight_packed`, a U8 E8M0 scale per 32 columns (MXFP4).
    case mxfp4
    /// FP6 E2M3 values, four in three bytes of U8 `weight_packed`, a U8 E8M0 scale per 32 columns
    /// (MXFP6, compressed-tensors 0.20).
    case mxfp6
    /// FP8 E4M3 `weight`, a U8 E8M0 scale per 32 columns (MXFP8).
    case mxfp8

    /// Columns per NVFP4 scale.
    public static let nvfp4GroupSize = 16
    /// Columns per MX scale.
    public static let mxGroupSize = 32

    /// Over which elements one FP8 weight scale is shared.
    public enum FP8Scales: Sendable, Equatable {
        case tensor
        case channel
        /// A `rows × columns` tile; edge tiles hold fewer elements.
        case block(rows: Int, columns: Int)
    }

    /// The columns a weight's row must be a whole number of, when its scales cover groups of them.
    public var groupSize: Int? {
        switch self {
        case .fp8: return nil
        case let .integers(encoding, _):
            if case let .group(size) = encoding.granularity { return size }
            return nil
        case .nvfp4: return Self.nvfp4GroupSize
        case .mxfp4, .mxfp6, .mxfp8: return Self.mxGroupSize
        }
    }
}

/// Integer weights of 1 to 8 bits: their range, zero points and scale granularity.
public struct IntegerEncoding: Sendable, Equatable {
    public let bits: Int
    /// Whether the zero point is 0 (and not stored).
    public let symmetric: Bool
    public let granularity: IntegerGranularity

    public init(bits: Int, symmetric: Bool, granularity: IntegerGranularity) {
        self.bits = bits
        self.symmetric = symmetric
        self.granularity = granularity
    }
}
