import Checkpoint
import CompressedTensors

/// MX weights: groups of 32 along a row under one power-of-two scale (`MXScale`), stored as a
/// U8 exponent code `[rows, columns / 32]` in `weight_scale`. The elements are
/// - FP4 E2M1 for MXFP4/MXFP4A16 ("mxfp4-pack-quantized"): `weight_packed`, U8 `[rows, columns / 2]`,
///   two values a byte as NVFP4;
/// - FP6 E2M3 for MXFP6A16/MXFP6A8 ("mxfp6-pack-quantized", compressed-tensors 0.20):
///   `weight_packed`, U8 `[rows, columns * 3 / 4]`, four values in three bytes (`FP6Code`);
/// - FP8 E4M3 for MXFP8/MXFP8A16 ("mxfp8-quantized"): `weight`, F8_E4M3, the weight's shape.
///
/// The quotient `x / scale` is rounded to the weight's dtype before the element cast, as
/// compressed-tensors divides two tensors of that dtype (`_quantize` in
/// `quantization/lifecycle/forward_helpers.py`); the scale being a power of two, multiplying by
/// its reciprocal gives the same quotient. FP8 elements are cast as compressed-tensors casts them,
/// after adding the zero point (`FP8E4M3.weightCode`: an exact `-0.0` is stored as +0).
///
/// A group holding NaN or Inf (`NonFiniteWeights`, when allowed) gets E8M0's NaN scale `0xFF` and,
/// as `x / NaN` is NaN, NaN values: `0x7F` for MXFP8, zero for MXFP4 and MXFP6 (no NaN there).
/// (compressed-tensors rounds a NaN or infinite maximum to a power of two on its bit pattern,
/// which gives a scale code that depends on the NaN's sign bit in torch's kernels, 0 or 127;
/// the NaN scale says what the group is instead.)
struct MXQuantizer: WeightQuantizer {
    enum Element: Sendable {
        case fp4, fp6, fp8

        /// `floor(log2(largest value))`, the exponent offset of the scale.
        var scaleOffset: Int { self == .fp8 ? 8 : 2 }
        /// The mantissa bits compressed-tensors rounds the group's maximum with: E2M3's for FP6,
        /// E2M1's for FP4 and FP8 alike.
        var scaleMantissa: Int { self == .fp6 ? 3 : 1 }

        /// Bytes holding a row of `columns` values.
        func rowBytes(_ columns: Int) -> Int {
            switch self {
            case .fp4: FP4Nibble.byteCount(columns)
            case .fp6: FP6Code.byteCount(columns)
            case .fp8: columns
            }
        }
    }

    static let groupSize = WeightEncoding.mxGroupSize
    let element: Element
    private let scratch = ScratchBuffer()

    init(element: Element) { self.element = element }

    func validate(_ weight: TensorInfo) throws(ModifierError) {
        try requireWholeGroups(weight, groupSize: Self.groupSize)
    }

    func quantize<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                    context: QuantizationContext,
                                    emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let rows = weight.shape[0], columns = weight.shape[1]
        let groups = columns / Self.groupSize
        let rowBytes = element.rowBytes(columns), groupBytes = element.rowBytes(Self.groupSize)
        let valueBytes = rows * rowBytes
        let buffer = scratch.bytes(valueBytes + rows * groups).baseAddress!.assumingMemoryBound(to: UInt8.self)
        let scaleCodes = buffer + valueBytes
        let input = data.bindMemory(to: S.Bits.self).baseAddress!
        let (element, offset, mantissa) = (self.element, self.element.scaleOffset, self.element.scaleMantissa)

        // Largest magnitude per row, as bits (their order is that of the magnitudes), to find non-finite rows.
        let rowMax = UnsafeMutableBufferPointer<S.Bits>.allocate(capacity: rows)
        defer { rowMax.deallocate() }
        parallelRows(rows, threads: threads) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.groupSize) { quotients in
                let q = quotients.baseAddress!
                for r in range {
                    let row = input + r * columns
                    var rowM: S.Bits = 0
                    for g in 0..<groups {
                        let x = row + g * Self.groupSize
                        let m = S.largestMagnitude(x, count: Self.groupSize)
                        rowM = max(rowM, m)
                        let out = buffer + r * rowBytes + g * groupBytes
                        if m >= S.infinityBits {
                            scaleCodes[r * groups + g] = E8M0.nanCode
                            switch element {
                            case .fp4, .fp6:
                                out.update(repeating: 0, count: groupBytes)
                            case .fp8:
                                NonFiniteWeights.fp8Codes(S.self, x, count: Self.groupSize, scaleIsNaN: true, into: out)
                            }
                            continue
                        }
                        let scale = MXScale<S>(absmax: m, elementOffset: offset, elementMantissa: mantissa)
                        scaleCodes[r * groups + g] = scale.storedCode
                        let reciprocal = scale.reciprocal
                        for c in 0..<Self.groupSize { q[c] = S.rounded(S.float(x[c]) * reciprocal) }
                        switch element {
                        case .fp4:
                            FP4Nibble.pack(q, count: Self.groupSize, into: out)
                        case .fp6:
                            FP6Code.pack(q, count: Self.groupSize, into: out)
                        case .fp8:
                            for c in 0..<Self.groupSize { out[c] = FP8E4M3.weightCode(q[c]) }
                        }
                    }
                    rowMax[r] = rowM
                }
            }
        }
        if !context.allowNonFinite, let bad = rowMax.firstIndex(where: { $0 >= S.infinityBits }) { throw .nonFinite(tensor: weight.name, row: bad) }
        do {
            try emit(UnsafeRawBufferPointer(start: buffer, count: valueBytes))
            try emit(UnsafeRawBufferPointer(start: scaleCodes, count: rows * groups))
        } catch { throw .checkpoint(error) }
    }
}
