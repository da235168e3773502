/// Shared rounding core for the narrow IEEE-like formats (F16, FP8 E4M3, FP8 E5M2).
///
/// All of them are "1 sign bit, `E` exponent bits, `M` stored mantissa bits, bias `B`" with
/// subnormals, and their codes are laid out so that, below the largest finite value, the code
/// of a magnitude grows with it one step per representable value. Rounding a float32 magnitude
/// to such a code, to nearest with ties to even, takes two cases:
///
/// - Normal results: rebias the exponent field in place (subtract `(127 - B) << 23`), then
///   drop the low `23 - M` fraction bits, adding half a unit minus one, plus the lowest kept
///   bit, first. A carry out of the fraction moves into the exponent, which is exactly the next
///   code.
/// - Subnormal results (magnitude below `2^emin`, `emin = 1 - B`): add `2^(emin - M + 23)` in
///   float32 arithmetic. The sum lies in a binade whose unit in the last place is the target
///   quantum `2^(emin - M)`, so the hardware's own round-to-nearest-even does the rounding, and
///   the sum's low bits are the code (up to `2^M`, the smallest normal, which is also its code).
///
/// - Parameters:
///   - magnitudeBits: the float32 bit pattern with the sign bit cleared. The caller has already
///     handled NaN, infinity and every magnitude that rounds past the largest finite value.
///   - mantissaBits: `M`, the stored mantissa width of the target format (3, 2 or 10).
///   - bias: `B`, the exponent bias of the target format (7, 15).
/// - Returns: the target code of the rounded magnitude, sign bit clear.
@inlinable @inline(__always)
internal func roundMagnitudeToNearestEven(_ magnitudeBits: UInt32, mantissaBits: UInt32, bias: UInt32) -> UInt32 {
    let minNormalBits = (128 - bias) << 23
    if magnitudeBits < minNormalBits {
        // 2^(emin - M + 23) = 2^(1 - B - M + 23), as float32 bits.
        let magicBits = (127 + 24 - bias - mantissaBits) << 23
        let sum = Float(bitPattern: magnitudeBits) + Float(bitPattern: magicBits)
        return sum.bitPattern &- magicBits
    }
    let dropped = 23 - mantissaBits
    let rebased = magnitudeBits &- ((127 - bias) << 23)
    let roundingBias = ((1 << (dropped - 1)) - 1) &+ ((magnitudeBits >> dropped) & 1)
    return (rebased &+ roundingBias) >> dropped
}
