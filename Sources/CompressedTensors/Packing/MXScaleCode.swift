/// The E8M0 code of an MX group's shared power-of-two scale, as compressed-tensors computes it
/// (`generate_mx_scales` and `round_to_power_2` in `quantization/utils/mxfp_utils.py`): the
/// group's largest magnitude is rounded to a power of two on its bit pattern (adding half a unit
/// of the element's last mantissa bit, then keeping sign and exponent), and that power's exponent
/// `e` gives `127 + e - offset`, `offset = floor(log2(largest element))`, clamped to 0...255.
public enum MXScaleCode {
    /// The code from the exponent field of the rounded largest magnitude in a float format of
    /// `exponentBits` exponent bits and bias `exponentBias`: a zero field (zero, subnormal) gives
    /// 0, an all-ones field (infinity, NaN) 255.
    @inlinable @inline(__always)
    public static func code(exponentField field: Int, exponentBits: Int, exponentBias: Int, elementOffset: Int) -> Int {
        if field == 0 { return 0 }
        if field == (1 << exponentBits) - 1 { return 255 }
        return min(max(127 + field - exponentBias - elementOffset, 0), 255)
    }

    /// The code for a float32 group whose largest magnitude is `largestMagnitude`, rounded with
    /// FP4 E2M1's one mantissa bit as compressed-tensors rounds FP4 and FP8 elements' groups.
    @inlinable
    public static func code(largestMagnitude: Float, elementOffset: Int) -> UInt8 {
        let field = Int(((largestMagnitude.bitPattern &+ (1 << 21)) & 0x7F80_0000) >> 23)
        return UInt8(code(exponentField: field, exponentBits: 8, exponentBias: 127, elementOffset: elementOffset))
    }
}
