import Checkpoint

/// FP8 E4M3 weights with a scale per output channel (per row) or per tensor, as compressed-tensors
/// computes them in the weight's own dtype:
/// `s = dtype(absmax / 448)` (a zero scale becomes the dtype's eps), `q = e4m3(dtype(w / s))`.
/// Writes `weight` (F8_E4M3, the weight's shape) and `weight_scale` (the weight's dtype,
/// `[rows, 1]` per channel, `[1]` per tensor). A row (or tensor) holding NaN or Inf, when allowed,
/// gets a NaN or infinite scale and the codes of `NonFiniteWeights.fp8Codes`.
struct FP8Quantizer: WeightQuantizer {
    enum Granularity: Sendable { case channel, tensor }
    let granularity: Granularity
    /// Where the scales' ranges come from: the largest magnitude, or an MSE search's range.
    let observer: WeightObserver
    private let scratch = ScratchBuffer()

    init(granularity: Granularity, observer: WeightObserver = .minMax) {
        self.granularity = granularity
        self.observer = observer
    }

    func quantize<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                    context: QuantizationContext,
                                    emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let rows = weight.shape[0], columns = weight.shape[1]
        let scaleCount = granularity == .channel ? rows : 1
        let scaleBytes = scaleCount * MemoryLayout<S.Bits>.stride
        let buffer = scratch.bytes(rows * columns + scaleBytes)
        let input = data.bindMemory(to: S.Bits.self)
        let codes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let scales = (buffer.baseAddress! + rows * columns).bindMemory(to: S.Bits.self, capacity: scaleCount)

        let rowMax = UnsafeMutableBufferPointer<S.Bits>.allocate(capacity: rows)
        defer { rowMax.deallocate() }
        try WeightAbsmax.rowMaxima(S.self, weight, input.baseAddress!, threads: threads,
                                    allowNonFinite: context.allowNonFinite, into: rowMax)
        if case let .mse(search) = observer {
            let ranges = try search.ranges(S.self, grid: FloatCandidateGrid(element: .fp8), weight: weight, input: input.baseAddress!,
                                           groupSize: granularity == .channel ? columns : nil, threads: threads,
                                           allowNonFinite: context.allowNonFinite, importance: context.importance)
            for i in 0..<scaleCount { scales[i] = Self.scale(S.self, absmax: S.bits(ranges.absmax(i))) }
        } else if granularity == .channel {
            for r in 0..<rows { scales[r] = Self.scale(S.self, absmax: rowMax[r]) }
        } else {
            scales[0] = Self.scale(S.self, absmax: rowMax.max() ?? 0)
        }
        parallelRows(rows, threads: threads) { range in
            for r in range {
                let scale = scales[granularity == .channel ? r : 0]
                let row = input.baseAddress! + r * columns
                let out = codes + r * columns
                if scale >= S.infinityBits {
                    NonFiniteWeights.fp8Codes(S.self, row, count: columns, scaleIsNaN: scale > S.infinityBits, into: out)
                    continue
                }
                let divisor = S.float(scale)
                for c in 0..<columns {
                    out[c] = FP8E4M3.weightCode(S.rounded(S.float(row[c]) / divisor))
                }
            }
        }
        do {
            try emit(UnsafeRawBufferPointer(start: codes, count: rows * columns))
            try emit(UnsafeRawBufferPointer(start: scales, count: scaleBytes))
        } catch { throw .checkpoint(error) }
    }

    /// `dtype(absmax / 448)`, or the dtype's eps where that is zero; NaN or +Inf for a NaN or
    /// infinite `absmax`.
    @inline(__always)
    private static func scale<S: WeightStorage>(_: S.Type, absmax: S.Bits) -> S.Bits {
        if absmax >= S.infinityBits { return NonFiniteWeights.scale(S.self, absmax: absmax) }
        let s = S.bits(S.float(absmax) / FP8E4M3.maxFinite)
        return S.float(s) == 0 ? S.bits(S.eps) : s
    }
}
