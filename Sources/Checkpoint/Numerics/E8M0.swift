/// `float8_e8m0fnu`, the shared scale of the OCP MX formats (MXFP4, MXFP8): an unsigned,
/// biased power-of-two exponent. Code `c` stands for `2^(c - 127)`; `255` is NaN; there is no
/// zero, no sign and no infinity.
public enum E8M0 {
    /// The NaN code, `255`.
    public static let nanCode: UInt8 = 255

    /// The value of a code: `2^(code - 127)`, exact. Code `0` is `2^-127`, a float32 subnormal
    /// (bits `0x0040_0000`); code `255` is the NaN PyTorch returns, bits `0x7F80_0001`.
    @inlinable
    public static func decode(_ code: UInt8) -> Float {
        switch code {
        case 0: return Float(bitPattern: 0x0040_0000)
        case 255: return Float(bitPattern: 0x7F80_0001)
        default: return Float(bitPattern: UInt32(code) << 23)
        }
    }

    /// The code of `value`, as PyTorch's float32 -> `float8_e8m0fnu` cast computes it
    /// (`c10::detail::fp8e8m0fnu_from_fp32_value` in `c10/util/Float8_e8m0fnu.h`):
    /// - the sign is ignored: only the float32 exponent field is looked at (`-4.0` gives 129,
    ///   `-0.0` and `0.0` give 0);
    /// - infinities and NaNs give 255 (NaN);
    /// - the exponent field is rounded on the float32 fraction, to nearest with ties to even,
    ///   where the "last kept bit" is the implicit leading bit: for a normal float the exponent
    ///   goes up by one when the fraction is at least one half (significand >= 1.5, so 1.5 -> 2
    ///   and 3.0 -> 4); for a subnormal (leading bit 0) only when the fraction is above one
    ///   half (2^-127 itself stays code 0, anything above it becomes code 1, 2^-126);
    /// - rounding up from exponent field 254 gives 255: magnitudes from 1.5 * 2^127 on are NaN.
    @inlinable
    public static func encode(_ value: Float) -> UInt8 {
        let u = value.bitPattern
        let exponent = (u >> 23) & 0xFF
        if exponent == 0xFF { return 0xFF }
        let fraction = u & 0x007F_FFFF
        let isNormal = exponent != 0
        let roundUp = fraction > 0x0040_0000 || (fraction == 0x0040_0000 && isNormal)
        return UInt8(truncatingIfNeeded: roundUp ? exponent + 1 : exponent)
    }
}
