extension FP8E4M3 {
    /// The E4M3 code of a value that is not NaN: equal to `encode(value)` for every such value,
    /// but without branches, so that loops over it vectorize. Infinities saturate to ±448 as in `encode`.
    ///
    /// Normal results round the float32 fraction to 3 bits, ties to even, by integer addition;
    /// results below 2^-6 are `|value| * 2^9` rounded to an integer, ties to even, by the
    /// 1.5·2^23 addition trick, which is exact because the product is below 8.
    /// - Precondition: `!value.isNaN` (a NaN gives ±448, not `0x7F`).
    @inlinable @inline(__always)
    public static func encodeFinite(_ value: Float) -> UInt8 {
        let u = value.bitPattern
        let sign = UInt32(u >> 24) & 0x80
        let a = u & 0x7FFF_FFFF
        let normal = min(((a &+ 0x7_FFFF &+ ((a >> 20) & 1)) >> 20) &- (120 << 3), 0x7E)
        let subnormal = (Float(bitPattern: a) * 512 + 0x1.8p23).bitPattern &- 0x4B40_0000
        return UInt8(truncatingIfNeeded: sign | (a >= 0x3C80_0000 ? normal : subnormal))
    }
}
