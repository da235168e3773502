import Checkpoint

/// Over which elements of a Linear weight one integer scale (and zero point) is shared.
enum IntegerGranularity: Sendable, Equatable {
    case tensor
    case channel
    /// `size` consecutive columns of a row.
    case group(size: Int)

    /// Columns sharing a scale within a row (`columns` for tensor and channel).
    func groupSize(columns: Int) -> Int {
        if case let .group(size) = self { return size }
        return columns
    }

    /// Shape of `weight_scale` (and of the unpacked zero point) as compressed-tensors writes it:
    /// `[1]` per tensor, `[rows, 1]` per channel, `[rows, ceil(columns / size)]` per group.
    func scaleShape(rows: Int, columns: Int) -> [Int] {
        switch self {
        case .tensor: return [1]
        case .channel: return [rows, 1]
        case let .group(size): return [rows, (columns + size - 1) / size]
        }
    }
}

/// Computes the integer codes, scales and zero points of one Linear weight in its own dtype,
/// splitting rows over threads. Each row's codes (`Int8`, in `qmin...qmax`) go to a callback
/// that stores them in the output format's layout.
struct IntegerWeightKernel: Sendable {
    let grid: IntegerGrid
    let granularity: IntegerGranularity

    /// Refuses a weight whose columns are not a whole number of this kernel's groups.
    func validate(_ weight: TensorInfo) throws(ModifierError) {
        if case let .group(size) = granularity { try requireWholeGroups(weight, groupSize: size) }
    }

    /// Fills `scales` and `zeroPoints` (one per scale-shape element, row-major) and passes every
    /// row's codes to `store(row, codes)`, from several threads at once (each row once).
    func run<S: WeightStorage>(_: S.Type, weight: TensorInfo, input: UnsafePointer<S.Bits>, threads: Int,
                               scales: UnsafeMutablePointer<S.Bits>, zeroPoints: UnsafeMutablePointer<Int8>,
                               store: (Int, UnsafePointer<Int8>) -> Void) throws(ModifierError) {
        let rows = weight.shape[0], columns = weight.shape[1]
        let groupSize = granularity.groupSize(columns: columns)
        let groups = columns / Swift.max(groupSize, 1)
        // Row statistics first (per tensor only: one scale needs every row), then the codes.
        if granularity == .tensor {
            let perRow = UnsafeMutableBufferPointer<GroupStatistics<S>>.allocate(capacity: rows)
            defer { perRow.deallocate() }
            parallelRows(rows, threads: threads) { range in
                for r in range {
                    var s = GroupStatistics<S>()
                    s.add(input + r * columns, count: columns)
                    perRow[r] = s
                }
            }
            if let bad = perRow.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(tensor: weight.name, row: bad) }
            let whole = perRow.reduce(GroupStatistics<S>()) { $0.merged(with: $1) }
            (scales[0], zeroPoints[0]) = grid.parameters(S.self, minimum: whole.minimum, maximum: whole.maximum)
        }
        let nonFinite = UnsafeMutableBufferPointer<Bool>.allocate(capacity: rows)
        defer { nonFinite.deallocate() }
        nonFinite.initialize(repeating: false)
        let perGroup = granularity != .tensor
        parallelRows(rows, threads: threads) { range in
            let codes = UnsafeMutablePointer<Int8>.allocate(capacity: columns)
            defer { codes.deallocate() }
            for r in range {
                let row = input + r * columns
                for g in 0..<groups {
                    let start = g * groupSize
                    var index = 0
                    if perGroup {
                        index = r * groups + g
                        var s = GroupStatistics<S>()
                        s.add(row + start, count: groupSize)
                        if !s.isFinite { nonFinite[r] = true }
                        (scales[index], zeroPoints[index]) = grid.parameters(S.self, minimum: s.minimum, maximum: s.maximum)
                    }
                    grid.quantize(S.self, row + start, count: groupSize, scale: scales[index], zeroPoint: zeroPoints[index],
                                  into: codes + start)
                }
                store(r, codes)
            }
        }
        if let bad = nonFinite.firstIndex(of: true) { throw .nonFinite(tensor: weight.name, row: bad) }
    }
}
