/// bfloat16 values, held as their 16-bit patterns (`UInt16`): the top half of a float32.
public enum BF16 {
    /// The float32 value of a bfloat16 bit pattern. Exact: every bfloat16 is a float32, and the
    /// bits move unchanged (a NaN keeps its sign and payload).
    @inlinable @inline(__always)
    public static func float(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The bfloat16 nearest to `value`, ties to even, as PyTorch's `c10::BFloat16(float)`
    /// (`c10::detail::round_to_nearest_even`) computes it.
    ///
    /// Finite values past the largest bfloat16 (`0x7F7F`, about 3.39e38) round to infinity the way
    /// round-to-nearest-even does (from the halfway point `0x7F7F_8000` on); infinities and
    /// signed zeros keep their sign; float32 subnormals round like any other value. Every NaN
    /// becomes the positive quiet NaN `0x7FC0`: PyTorch drops the sign and payload.
    @inlinable @inline(__always)
    public static func bits(_ value: Float) -> UInt16 {
        let u = value.bitPattern
        if u & 0x7FFF_FFFF > 0x7F80_0000 { return 0x7FC0 }
        // Adding 0x7FFF, plus one more when the kept part is odd, carries into bit 16 exactly
        // when the dropped half is above one half, or exactly one half with an odd kept part.
        let roundingBias = ((u >> 16) & 1) &+ 0x7FFF
        return UInt16(truncatingIfNeeded: (u &+ roundingBias) >> 16)
    }
}
