/// IEEE 754 binary16 ("half") values, held as their 16-bit patterns (`UInt16`).
///
/// Implemented on integers rather than through `Float16`, so the results do not depend on
/// whether the target CPU has F16C and NaNs come out exactly as PyTorch makes them.
public enum F16 {
    /// The float32 value of a half bit pattern. Exact for every finite value and infinity.
    ///
    /// A NaN keeps its sign and payload (shifted into the float32 fraction) and is made quiet,
    /// as PyTorch's `c10::Half -> float` conversion and the F16C instruction both do:
    /// `0x7D00` gives `0x7FE0_0000`.
    @inlinable @inline(__always)
    public static func float(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let magnitude = UInt32(bits & 0x7FFF)
        if magnitude >= 0x7C00 {
            let quiet: UInt32 = magnitude > 0x7C00 ? 0x0040_0000 : 0
            return Float(bitPattern: sign | 0x7F80_0000 | (magnitude << 13) | quiet)
        }
        if magnitude < 0x0400 {
            // Subnormal (or zero): magnitude * 2^-24, exact in float32.
            return Float(bitPattern: sign | (Float(magnitude) * 0x1p-24).bitPattern)
        }
        // Normal: rebias the exponent from 15 to 127 ((127 - 15) << 23 = 0x3800_0000).
        return Float(bitPattern: sign | ((magnitude << 13) &+ 0x3800_0000))
    }

    /// The half nearest to `value`, ties to even, as PyTorch's `c10::Half(float)` gives it.
    ///
    /// Magnitudes from 65520 (halfway between the largest half, 65504, and the next power of
    /// two) on become infinity; results below the smallest normal are subnormals, rounded to
    /// nearest even as well. A NaN becomes the quiet NaN `0x7E00` with the input's sign
    /// (`c10::detail::fp16_ieee_from_fp32_value`).
    @inlinable
    public static func bits(_ value: Float) -> UInt16 {
        let u = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: u >> 16) & 0x8000
        let magnitude = u & 0x7FFF_FFFF
        // From 65520 on (halfway between 65504 and 65536, a tie that goes up because 0x7BFF is
        // odd) everything overflows to infinity.
        if magnitude >= 0x477F_F000 { return sign | (magnitude > 0x7F80_0000 ? 0x7E00 : 0x7C00) }
        return sign | UInt16(truncatingIfNeeded: roundMagnitudeToNearestEven(magnitude, mantissaBits: 10, bias: 15))
    }
}
