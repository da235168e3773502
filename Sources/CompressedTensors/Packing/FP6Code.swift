/// FP6 E2M3 codes as compressed-tensors 0.20 stores them ("mxfp6-pack-quantized"): a 6-bit code
/// `s e e m m m` (exponent bias 1, no infinities, no NaN) whose magnitudes are `m / 8` for the
/// exponent field 0 and `(1 + m / 8) · 2^(e − 1)` above, from 0 to 7.5; four codes are packed
/// little-endian into three bytes (`pack_fp6_to_uint8` in `compressors/mxfp6/helpers.py`).
public enum FP6Code {
    /// The largest magnitude, code 31.
    public static let maxFinite: Float = 7.5

    /// Bytes holding `count` (a multiple of 4) packed values.
    public static func byteCount(_ count: Int) -> Int { count / 4 * 3 }

    /// The code of `value` as compressed-tensors 0.20 writes it: `value` clamped to ±7.5, then
    /// `cast_to_fp6` (`quantization/utils/fp6_utils.py`): the magnitude rounded, ties to even, to
    /// a multiple of `2^(max(e, 0) − 3)` (`e` the float exponent, so steps of 1/8 below 2, 1/4
    /// below 4 and 1/2 above), saturating at 7.5; then `searchsorted` on the magnitudes gives the
    /// code and the sign bit (bit 5) is `signbit`, so `-0.0` and negative values that round to
    /// zero are `0x20`.
    /// - Precondition: `!value.isNaN` (callers handle non-finite groups before encoding).
    @inlinable @inline(__always)
    public static func code(_ value: Float) -> UInt8 {
        let magnitude = min(value.magnitude, maxFinite)
        // 0 below 2, 1 below 4, 2 above (float32 exponents below 0 clamp to 0).
        let exponent = max(Int((magnitude.bitPattern >> 23) & 0xFF) - 127, 0)
        let steps = Int((magnitude * Float(sign: .plus, exponent: 3 - exponent, significand: 1)).rounded(.toNearestOrEven))
        // Rounding to 2 or 4 gives the first code of the next exponent: 8·e + steps covers both.
        let code = min(8 * exponent + steps, 31)
        return UInt8(truncatingIfNeeded: code) | (value.sign == .minus ? 0x20 : 0)
    }

    /// The value of the low six bits of `code`.
    @inlinable
    public static func value(_ code: UInt8) -> Float {
        let field = Int(code >> 3) & 0x3, mantissa = Float(code & 0x7)
        let magnitude = field == 0 ? mantissa / 8 : (1 + mantissa / 8) * Float(sign: .plus, exponent: field - 1, significand: 1)
        return code & 0x20 != 0 ? -magnitude : magnitude
    }

    /// Packs `count` (a multiple of 4) values of `values` as their codes, four to three bytes:
    /// the 24-bit word `c0 | c1 << 6 | c2 << 12 | c3 << 18` stored little-endian.
    @inlinable @inline(__always)
    public static func pack(_ values: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        for quad in 0..<(count / 4) {
            let v = values + 4 * quad, o = out + 3 * quad
            let word = UInt32(code(v[0])) | UInt32(code(v[1])) << 6 | UInt32(code(v[2])) << 12 | UInt32(code(v[3])) << 18
            o[0] = UInt8(truncatingIfNeeded: word)
            o[1] = UInt8(truncatingIfNeeded: word >> 8)
            o[2] = UInt8(truncatingIfNeeded: word >> 16)
        }
    }

    /// Unpacks `count` (a multiple of 4) values from `bytes`, the inverse of `pack`.
    @inlinable
    public static func unpack(_ bytes: UnsafePointer<UInt8>, count: Int, into out: UnsafeMutablePointer<Float>) {
        for quad in 0..<(count / 4) {
            let b = bytes + 3 * quad
            let word = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16
            for i in 0..<4 { out[4 * quad + i] = value(UInt8(truncatingIfNeeded: word >> (6 * UInt32(i))) & 0x3F) }
        }
    }
}
