import CKernels
import Checkpoint
import CompressedTensors

/// NVFP4 weights (compressed-tensors' "nvfp4-pack-quantized"): FP4 E2M1 values in groups of 16
/// along a row, an FP8 E4M3 scale per group, and a float32 global scale per tensor, shared by
/// fused layers. Writes `weight_packed` (U8 `[rows, columns / 2]`, two values a byte),
/// `weight_scale` (F8_E4M3 `[rows, columns / 16]`) and `weight_global_scale` (F32 `[1]`).
///
/// Every step rounds where compressed-tensors 0.19 and llm-compressor 0.14 round:
/// - global scale (`generate_gparam` in `quantization/utils/helpers.py`, called by the observer
///   of `llmcompressor/observers/base.py` over the fused group): `2688 / m` for the group's
///   largest magnitude `m` (at least the dtype's smallest normal), evaluated in the weight's dtype
///   as Python does it, `dtype(dtype(1 / m) * 2688)`; 1 where that is not finite; then float32;
/// - group scale (`calculate_qparams`): `s = dtype(groupAbsmax / 6)`, then `fp8(global * s)` with
///   the product in float32; a zero becomes FP8's eps, 0.125;
/// - values (`_quantize` in `quantization/lifecycle/forward_helpers.py`): `x / (s / global)`, both
///   divisions in float32 (the scale is kept in the weight's dtype, the global scale in float32),
///   then `cast_to_fp4`, thresholds applied to the float32 quotient.
///
/// bf16 and f16 weights go through the `CKernels` kernel `ck_nvfp4_quantize` (SIMD, the same
/// bytes on every path); f32 ones through the loop here.
///
/// NaN and Inf (`NonFiniteWeights`, when allowed) follow the same formulas: a NaN in the fused
/// group makes the global scale 1 (`2688 / NaN` is not finite), an infinity makes it 0
/// (`2688 / Inf`), so that every finite 16-group then gets the eps scale and zero values. A group
/// whose scale `global * s` is NaN (a NaN inside, or an infinity under a zero global scale) gets
/// the NaN scale `0x7F` and zero values (FP4 has no NaN; torch leaves them NaN, which packs as
/// ±0 depending on the NaN's sign); an infinite `global * s` saturates to 448, and infinities
/// among the values to ±6.
struct NVFP4Quantizer: WeightQuantizer {
    static let groupSize = WeightEncoding.nvfp4GroupSize
    /// FP8 E4M3's largest value times FP4 E2M1's: the global scale maps a tensor's largest magnitude there.
    static let globalRange: Float = 448 * 6

    /// Where each group's range comes from: its largest magnitude, or an MSE search's range,
    /// which then also gives the global scale (llm-compressor's observer computes it from the
    /// searched ranges of the fused group).
    let observer: WeightObserver
    private let scratch = ScratchBuffer()

    init(observer: WeightObserver = .minMax) { self.observer = observer }

    var sharesStatisticsAcrossFusedLayers: Bool { true }

    func searchedGroupMaxima(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                             context: QuantizationContext) throws(ModifierError) -> [Float]? {
        guard case .mse = observer else { return nil }
        try validate(weight)
        switch weight.dtype {
        case .bf16: return try searchedGroupMaxima(BF16Storage.self, weight, data, threads, context).map(BF16Storage.float)
        case .f16: return try searchedGroupMaxima(F16Storage.self, weight, data, threads, context).map(F16Storage.float)
        case .f32: return try searchedGroupMaxima(F32Storage.self, weight, data, threads, context).map(F32Storage.float)
        default: throw .unquantizableWeight(tensor: weight.name, reason: "dtype \(weight.dtype.rawValue) cannot be quantized")
        }
    }

    /// The largest magnitude of every group's searched range, as bits; nil for a min-max observer.
    private func searchedGroupMaxima<S: WeightStorage>(_: S.Type, _ weight: TensorInfo, _ data: UnsafeRawBufferPointer, _ threads: Int,
                                                       _ context: QuantizationContext) throws(ModifierError) -> [S.Bits] {
        guard case let .mse(search) = observer else { return [] }
        let ranges = try search.ranges(S.self, grid: FloatCandidateGrid(element: .fp4), weight: weight,
                                       input: data.bindMemory(to: S.Bits.self).baseAddress!, groupSize: Self.groupSize,
                                       threads: threads, allowNonFinite: context.allowNonFinite, importance: context.importance)
        return ranges.minimum.indices.map { S.bits(ranges.absmax($0)) }
    }

    func validate(_ weight: TensorInfo) throws(ModifierError) {
        try requireWholeGroups(weight, groupSize: Self.groupSize)
    }

    /// The global scale for a largest magnitude `absmax`, rounded as described above.
    static func globalScale<S: WeightStorage>(_: S.Type, absmax: Float) -> Float {
        if absmax.isNaN { return 1 }
        let reciprocal = S.rounded(1 / max(absmax, S.tiny))
        let scale = S.rounded(reciprocal * globalRange)
        return scale.isFinite ? scale : 1
    }

    func quantize<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                    context: QuantizationContext,
                                    emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let rows = weight.shape[0], columns = weight.shape[1]
        let groups = columns / Self.groupSize
        let input = data.bindMemory(to: S.Bits.self).baseAddress!

        // Largest magnitude of every group, as bits: for IEEE formats their order is that of the magnitudes.
        let groupMax = UnsafeMutableBufferPointer<S.Bits>.allocate(capacity: rows * groups)
        defer { groupMax.deallocate() }
        if let searched = context.searchedGroupMaxima, searched.count == groupMax.count {
            _ = groupMax.initialize(from: searched.lazy.map(S.bits))
        } else if case .mse = observer {
            _ = groupMax.initialize(from: try searchedGroupMaxima(S.self, weight, data, threads, context))
        } else { parallelRows(rows, threads: threads) { range in
            if S.kernelDType != nil {
                let first = range.lowerBound * groups
                ck_group_maxima16(range.count * groups, UnsafeRawPointer(input + first * Self.groupSize).assumingMemoryBound(to: UInt16.self),
                                  UnsafeMutableRawPointer(groupMax.baseAddress! + first).assumingMemoryBound(to: UInt16.self))
                return
            }
            for r in range {
                let row = input + r * columns
                for g in 0..<groups {
                    groupMax[r * groups + g] = S.largestMagnitude(row + g * Self.groupSize, count: Self.groupSize)
                }
            }
        } }
        if !context.allowNonFinite, let bad = groupMax.firstIndex(where: { $0 >= S.infinityBits }) {
            throw .nonFinite(tensor: weight.name, row: bad / groups)
        }
        let global = Self.globalScale(S.self, absmax: context.groupAbsmax ?? S.float(groupMax.max() ?? 0))

        let packedBytes = rows * columns / 2
        let buffer = scratch.bytes(packedBytes + rows * groups + 4).baseAddress!
        let packed = buffer.assumingMemoryBound(to: UInt8.self)
        let scaleCodes = packed + packedBytes
        parallelRows(rows, threads: threads) { range in
            if let dtype = S.kernelDType {
                let first = range.lowerBound * groups
                ck_nvfp4_quantize(dtype, range.count * groups, UnsafeRawPointer(input + first * Self.groupSize).assumingMemoryBound(to: UInt16.self),
                                  UnsafeRawPointer(groupMax.baseAddress! + first).assumingMemoryBound(to: UInt16.self), global,
                                  packed + first * Self.groupSize / 2, scaleCodes + first)
                return
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { quotients in
                let q = quotients.baseAddress!
                for r in range {
                    let row = input + r * columns
                    for g in 0..<groups {
                        let s = S.rounded(S.float(groupMax[r * groups + g]) / FP4E2M1.maxFinite)
                        let x = row + g * Self.groupSize, out = q + g * Self.groupSize
                        let code = NVFP4ScaleCode.code(global * s)
                        scaleCodes[r * groups + g] = code
                        if code == FP8E4M3.nanCode {
                            out.update(repeating: 0, count: Self.groupSize)
                            continue
                        }
                        let divisor = FP8E4M3.decode(code) / global
                        for c in 0..<Self.groupSize { out[c] = S.float(x[c]) / divisor }
                    }
                    FP4Nibble.pack(q, count: columns, into: packed + r * columns / 2)
                }
            }
        }
        let globalBytes = buffer + packedBytes + rows * groups
        globalBytes.storeBytes(of: global.bitPattern.littleEndian, as: UInt32.self)
        do {
            try emit(UnsafeRawBufferPointer(start: packed, count: packedBytes))
            try emit(UnsafeRawBufferPointer(start: scaleCodes, count: rows * groups))
            try emit(UnsafeRawBufferPointer(start: globalBytes, count: 4))
        } catch { throw .checkpoint(error) }
    }
}
