/// Over which elements of a Linear weight one integer scale (and zero point) is shared.
public enum IntegerGranularity: Sendable, Equatable {
    case tensor
    case channel
    /// `size` consecutive columns of a row.
    case group(size: Int)

    /// Columns sharing a scale within a row (`columns` for tensor and channel).
    public func groupSize(columns: Int) -> Int {
        if case let .group(size) = self { return size }
        return columns
    }

    /// Shape of `weight_scale` (and of the unpacked zero point) as compressed-tensors writes it:
    /// `[1]` per tensor, `[rows, 1]` per channel, `[rows, ceil(columns / size)]` per group.
    public func scaleShape(rows: Int, columns: Int) -> [Int] {
        switch self {
        case .tensor: return [1]
        case .channel: return [rows, 1]
        case let .group(size): return [rows, (columns + size - 1) / size]
        }
    }
}
