import Checkpoint
import CompressedTensors

/// Where an integer weight's scales and zero points come from.
enum IntegerParameterSource: Sendable {
    /// From the weight's own values, through the kernel's observer.
    case observed
    /// Chosen beforehand and handed in: GPTQ picks them on the weight before it changes it, and
    /// compressed-tensors then quantizes the changed weight with them.
    case given
}

/// Computes the integer codes, scales and zero points of one Linear weight in its own dtype,
/// splitting rows over threads. Each row's codes (`Int8`, in `qmin...qmax`) go to a callback
/// that stores them in the output format's layout.
struct IntegerWeightKernel: Sendable, Equatable {
    let grid: IntegerGrid
    let granularity: IntegerGranularity
    /// Where observed scales and zero points get their ranges.
    var observer: WeightObserver = .minMax

    /// Refuses a weight whose columns are not a whole number of this kernel's groups.
    func validate(_ weight: TensorInfo) throws(ModifierError) {
        if case let .group(size) = granularity { try requireWholeGroups(weight, groupSize: size) }
    }

    /// Fills `scales` and `zeroPoints` (one per scale-shape element, row-major) from the weight's
    /// statistics, without computing codes. NaN or Inf throw `nonFinite` unless `allowNonFinite`.
    func observe<S: WeightStorage>(_: S.Type, weight: TensorInfo, input: UnsafePointer<S.Bits>, threads: Int,
                                   allowNonFinite: Bool = false,
                                   scales: UnsafeMutablePointer<S.Bits>, zeroPoints: UnsafeMutablePointer<Int8>) throws(ModifierError) {
        if try searchParameters(S.self, weight: weight, input: input, threads: threads, allowNonFinite: allowNonFinite,
                                importance: nil, scales: scales, zeroPoints: zeroPoints) {
            return
        }
        if granularity == .tensor {
            _ = try observeTensor(S.self, weight: weight, input: input, threads: threads, allowNonFinite: allowNonFinite,
                                  scales: scales, zeroPoints: zeroPoints)
            return
        }
        let rows = weight.shape[0], columns = weight.shape[1]
        let groupSize = granularity.groupSize(columns: columns), groups = columns / Swift.max(groupSize, 1)
        let nonFinite = NonFiniteRows(rows)
        parallelRows(rows, threads: threads) { range in
            for r in range {
                for g in 0..<groups {
                    let index = r * groups + g
                    if !observeGroup(S.self, input + r * columns + g * groupSize, count: groupSize, into: scales + index, zeroPoints + index) {
                        nonFinite.mark(r)
                    }
                }
            }
        }
        if !allowNonFinite { try nonFinite.check(weight) }
    }

    /// Fills `scales` and `zeroPoints` (one per scale-shape element, row-major) unless they are
    /// `given`, and passes every row's codes to `store(row, codes)`, from several threads at once
    /// (each row once). Observed NaN or Inf throw `nonFinite` unless `allowNonFinite`, which
    /// quantizes their groups as `IntegerGrid` describes. An imatrix observer weighs its search by
    /// `importance` (``QuantizationContext/importance``).
    func run<S: WeightStorage>(_: S.Type, weight: TensorInfo, input: UnsafePointer<S.Bits>, threads: Int,
                               allowNonFinite: Bool = false, importance: [Float]? = nil,
                               scales: UnsafeMutablePointer<S.Bits>, zeroPoints: UnsafeMutablePointer<Int8>,
                               parameters: IntegerParameterSource = .observed,
                               store: (Int, UnsafePointer<Int8>) -> Void) throws(ModifierError) {
        var parameters = parameters
        if parameters == .observed,
           try searchParameters(S.self, weight: weight, input: input, threads: threads, allowNonFinite: allowNonFinite,
                                importance: importance, scales: scales, zeroPoints: zeroPoints) {
            parameters = .given
        }
        let rows = weight.shape[0], columns = weight.shape[1]
        let groupSize = granularity.groupSize(columns: columns)
        let groups = columns / Swift.max(groupSize, 1)
        // Tensor statistics first (one scale needs every row), then the codes.
        var tensorIsFinite = true
        if parameters == .observed && granularity == .tensor {
            tensorIsFinite = try observeTensor(S.self, weight: weight, input: input, threads: threads, allowNonFinite: allowNonFinite,
                                               scales: scales, zeroPoints: zeroPoints)
        }
        let nonFinite = NonFiniteRows(rows)
        let observesGroups = parameters == .observed && granularity != .tensor
        parallelRows(rows, threads: threads) { range in
            let codes = UnsafeMutablePointer<Int8>.allocate(capacity: columns)
            defer { codes.deallocate() }
            for r in range {
                let row = input + r * columns
                for g in 0..<groups {
                    let start = g * groupSize
                    let index = granularity == .tensor ? 0 : r * groups + g
                    var finite = tensorIsFinite
                    if observesGroups {
                        finite = observeGroup(S.self, row + start, count: groupSize, into: scales + index, zeroPoints + index)
                        if !finite { nonFinite.mark(r) }
                    }
                    if finite {
                        grid.quantize(S.self, row + start, count: groupSize, scale: scales[index], zeroPoint: zeroPoints[index],
                                      into: codes + start)
                    } else {
                        grid.quantizeNonFinite(S.self, row + start, count: groupSize, scale: scales[index],
                                               zeroPoint: zeroPoints[index], into: codes + start)
                    }
                }
                store(r, codes)
            }
        }
        if !allowNonFinite { try nonFinite.check(weight) }
    }

    /// Fills `scales` and `zeroPoints` from the ranges an MSE observer searched; false (nothing
    /// done) for a min-max observer.
    private func searchParameters<S: WeightStorage>(_: S.Type, weight: TensorInfo, input: UnsafePointer<S.Bits>, threads: Int,
                                                    allowNonFinite: Bool, importance: [Float]?, scales: UnsafeMutablePointer<S.Bits>,
                                                    zeroPoints: UnsafeMutablePointer<Int8>) throws(ModifierError) -> Bool {
        guard case let .mse(search) = observer else { return false }
        let groupSize: Int? = granularity == .tensor ? nil : granularity.groupSize(columns: weight.shape[1])
        let ranges = try search.ranges(S.self, grid: grid, weight: weight, input: input, groupSize: groupSize,
                                       threads: threads, allowNonFinite: allowNonFinite, importance: importance)
        for i in ranges.minimum.indices {
            (scales[i], zeroPoints[i]) = grid.parameters(S.self, minimum: ranges.minimum[i], maximum: ranges.maximum[i])
        }
        return true
    }

    /// The one scale and zero point of a per-tensor weight, from every row's statistics; whether
    /// they are finite.
    private func observeTensor<S: WeightStorage>(_: S.Type, weight: TensorInfo, input: UnsafePointer<S.Bits>, threads: Int,
                                                 allowNonFinite: Bool,
                                                 scales: UnsafeMutablePointer<S.Bits>, zeroPoints: UnsafeMutablePointer<Int8>) throws(ModifierError) -> Bool {
        let rows = weight.shape[0], columns = weight.shape[1]
        let perRow = UnsafeMutableBufferPointer<GroupStatistics<S>>.allocate(capacity: rows)
        defer { perRow.deallocate() }
        parallelRows(rows, threads: threads) { range in
            for r in range {
                var s = GroupStatistics<S>()
                s.add(input + r * columns, count: columns)
                perRow[r] = s
            }
        }
        if !allowNonFinite, let bad = perRow.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(tensor: weight.name, row: bad) }
        let whole = perRow.reduce(GroupStatistics<S>()) { $0.merged(with: $1) }
        (scales[0], zeroPoints[0]) = whole.isFinite ? grid.parameters(S.self, minimum: whole.minimum, maximum: whole.maximum)
                                                    : grid.nonFiniteParameters(S.self, whole)
        return whole.isFinite
    }

    /// Stores the scale and zero point of `count` values at `values`; false when one of them is not finite.
    @inline(__always)
    private func observeGroup<S: WeightStorage>(_: S.Type, _ values: UnsafePointer<S.Bits>, count: Int,
                                                into scale: UnsafeMutablePointer<S.Bits>, _ zeroPoint: UnsafeMutablePointer<Int8>) -> Bool {
        var s = GroupStatistics<S>()
        s.add(values, count: count)
        (scale.pointee, zeroPoint.pointee) = s.isFinite ? grid.parameters(S.self, minimum: s.minimum, maximum: s.maximum)
                                                        : grid.nonFiniteParameters(S.self, s)
        return s.isFinite
    }
}

/// Rows found to hold NaN or Inf, marked from several threads (each row by one thread).
private final class NonFiniteRows: @unchecked Sendable {
    private let flags: UnsafeMutableBufferPointer<Bool>

    init(_ rows: Int) {
        flags = .allocate(capacity: rows)
        flags.initialize(repeating: false)
    }

    deinit { flags.deallocate() }

    func mark(_ row: Int) { flags[row] = true }

    /// Throws for the first row marked.
    func check(_ weight: TensorInfo) throws(ModifierError) {
        if let bad = flags.firstIndex(of: true) { throw .nonFinite(tensor: weight.name, row: bad) }
    }
}
