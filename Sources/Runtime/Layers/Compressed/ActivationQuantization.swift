import CKernels
import Checkpoint
import CompressedTensors

/// How a layer quantizes its input, emulated in f32 as compressed-tensors' fake quantization
/// computes it: each value becomes `q(x / s) · s`, where `q` rounds to the element grid and `s` is
/// the scale of its token (or of its group of a token, or a static per-tensor scale from the
/// checkpoint's `input_scale`, or NVFP4's and MX's group scales).
struct ActivationQuantization: Sendable {
    /// The grid the activations are rounded to.
    enum Grid: Sendable {
        /// FP8 E4M3, largest magnitude 448.
        case fp8
        /// Int8: round half to even, clamp to -128...127; scales from absmax / 127 (symmetric), or a
        /// static scale with a zero point.
        case int8
        /// FP4 E2M1 (NVFP4 and MXFP4 inputs), largest magnitude 6, rounded as `cast_to_fp4`.
        case fp4

        /// The magnitude a dynamic scale maps a row's absmax to.
        var maximum: Float {
            switch self {
            case .fp8: FP8E4M3.maxFinite
            case .int8: 127
            case .fp4: FP4E2M1.maxFinite
            }
        }

        /// `floor(log2(maximum))`, the offset of an MX scale's exponent (`_MX_ELEM_OFFSET`).
        var mxScaleOffset: Int { self == .fp8 ? 8 : 2 }
    }

    /// Where the scale comes from.
    enum Scale: Sendable {
        /// One scale per token: absmax(row) / maximum.
        case token
        /// One scale per `size` consecutive values of a token.
        case group(size: Int)
        /// One dynamic scale for the whole input.
        case tensor
        /// The checkpoint's calibrated `input_scale`.
        case fixed(Float)
        /// NVFP4 (`tensor_group`, `dynamic: local`): per group of 16 an FP8 E4M3 scale
        /// (``NVFP4ScaleCode``) under the checkpoint's static `input_global_scale`; values are
        /// divided by `scale / global`.
        case nvfp4(global: Float)
        /// MX (MXFP4, MXFP8 inputs): per group of 32 a power-of-two scale, ``MXScaleCode``'s
        /// rounding of the group's largest magnitude.
        case mx
    }

    let grid: Grid
    let scale: Scale
    /// The integer zero point of asymmetric static int8 inputs (`input_zero_point`) or KV cache
    /// (`k_zero_point`, `v_zero_point`): codes are `round(x / s) + zp` (or `round(x / s + zp)`,
    /// ``zeroPointBeforeRounding``), clamped to -128...127 and read back as `(code - zp) · s`. 0
    /// when symmetric.
    var zeroPoint: Float = 0
    /// Whether the zero point is added before rounding, `round(x / s + zp)`, as compressed-tensors'
    /// fake quantization does (its KV cache hook), rather than after, `round(x / s) + zp`, as vLLM's
    /// static int8 input kernel does. They differ where `x / s + zp` is a tie or rounds in f32.
    var zeroPointBeforeRounding = false

    /// Whether this is W8A8's int8 with a dynamic scale per token, which ``W8A8Linear`` computes in integers.
    var isInt8PerToken: Bool {
        guard grid == .int8, case .token = scale else { return false }
        return true
    }

    /// Replaces the `rows × columns` values at `x` by their quantized-dequantized values.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        switch scale {
        case .token:
            for r in 0..<rows { dynamic(x + r * columns, count: columns) }
        case let .group(size):
            forEachGroup(x, rows: rows, columns: columns, size: size) { dynamic($0, count: $1) }
        case .tensor:
            dynamic(x, count: rows * columns)
        case let .fixed(s):
            round(x, count: rows * columns, scale: s)
        case let .nvfp4(global):
            forEachGroup(x, rows: rows, columns: columns, size: WeightEncoding.nvfp4GroupSize) { group, count in
                let code = NVFP4ScaleCode.code(global * (largestMagnitude(group, count: count) / FP4E2M1.maxFinite))
                round(group, count: count, scale: FP8E4M3.decode(code) / global)
            }
        case .mx:
            forEachGroup(x, rows: rows, columns: columns, size: WeightEncoding.mxGroupSize) { group, count in
                let code = MXScaleCode.code(largestMagnitude: largestMagnitude(group, count: count), elementOffset: grid.mxScaleOffset)
                round(group, count: count, scale: E8M0.decode(code))
            }
        }
    }

    /// Calls `body` on each run of `size` values of each row (a shorter last run where `size`
    /// does not divide `columns`).
    private func forEachGroup(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, size: Int,
                              _ body: (UnsafeMutablePointer<Float>, Int) -> Void) {
        for r in 0..<rows {
            var start = 0
            while start < columns {
                body(x + r * columns + start, min(size, columns - start))
                start += size
            }
        }
    }

    /// The largest magnitude of `count` values, NaNs skipped (`ck_largest_magnitude`).
    private func largestMagnitude(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        ck_largest_magnitude(x, count)
    }

    /// Quantizes `count` values with the scale their absmax gives.
    private func dynamic(_ x: UnsafeMutablePointer<Float>, count: Int) {
        round(x, count: count, scale: largestMagnitude(x, count: count) / grid.maximum)
    }

    /// `x = q(x / scale) · scale`; a zero scale (an all-zero block) leaves zeros.
    private func round(_ x: UnsafeMutablePointer<Float>, count: Int, scale: Float) {
        guard scale > 0, scale.isFinite else {
            for i in 0..<count { x[i] = 0 }
            return
        }
        switch grid {
        case .fp8:
            for i in 0..<count { x[i] = Self.roundedToFP8(x[i] / scale) * scale }
        case .fp4:
            for i in 0..<count { x[i] = FP4Nibble.value(FP4Nibble.code(x[i] / scale)) * scale }
        case .int8:
            let zp = zeroPoint
            if zeroPointBeforeRounding {
                for i in 0..<count { x[i] = (min(127, max(-128, (x[i] / scale + zp).rounded(.toNearestOrEven))) - zp) * scale }
            } else {
                for i in 0..<count { x[i] = (min(127, max(-128, (x[i] / scale).rounded(.toNearestOrEven) + zp)) - zp) * scale }
            }
        }
    }

    /// `FP8E4M3.decode(FP8E4M3.encode(v))` for finite `v`, branch-free so that it vectorizes:
    /// from 2^-6 up, the float32 fraction is rounded to 3 bits (to nearest, ties to even, a carry
    /// moving into the exponent); below, the magnitude is rounded to a multiple of 2^-9 (adding and
    /// subtracting 2^14 leaves exactly that); magnitudes past 448 saturate to 448.
    @inline(__always)
    static func roundedToFP8(_ v: Float) -> Float {
        let magnitude = abs(v)
        let u = magnitude.bitPattern
        let normal = Float(bitPattern: (u &+ 0x7_FFFF &+ ((u >> 20) & 1)) & 0xFFF0_0000)
        let subnormal = (magnitude + 0x1p14) - 0x1p14
        let rounded = min(magnitude < 0x1p-6 ? subnormal : normal, FP8E4M3.maxFinite)
        return Float(bitPattern: rounded.bitPattern | (v.bitPattern & 0x8000_0000))
    }
}
