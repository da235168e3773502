/// FP4 E2M1 codes as compressed-tensors 0.19 stores them (two a byte, the even column in the low
/// nibble), encoded and decoded without branches so that loops over them vectorize.
public enum FP4Nibble {
    /// Bytes holding `count` packed values.
    public static func byteCount(_ count: Int) -> Int { (count + 1) / 2 }

    /// The nibble of `value`: equal to `FP4E2M1.encode(value)` for every value that is not NaN.
    ///
    /// `cast_to_fp4`'s thresholds (ties at 0.25, 1.25, 2.5 and 5 stay down, ties at 0.75, 1.75 and
    /// 3.5 go up) are round to nearest, ties to even, on E2M1 (1 exponent bias, 1 fraction bit),
    /// saturating at 6. From 1 on, the float32 exponent is rebiased and the fraction rounded to one
    /// bit by integer addition; below 1, `2·|value|` is rounded to an integer by the 1.5·2^23
    /// addition trick (codes 0, 1, 2 are 0, 0.5, 1). Bit 3 is set for negative values, including
    /// those whose magnitude rounds to zero, but not for `-0.0`.
    /// - Precondition: `!value.isNaN` (a NaN gives code 7, not 0).
    @inlinable @inline(__always)
    public static func code(_ value: Float) -> UInt8 {
        let a = value.bitPattern & 0x7FFF_FFFF
        let normal = min((a &- (126 << 23) &+ 0x1F_FFFF &+ ((a >> 22) & 1)) >> 22, 7)
        let small = (Float(bitPattern: a) * 2 + 0x1.8p23).bitPattern &- 0x4B40_0000
        let magnitude = a >= 0x3F80_0000 ? normal : small
        return UInt8(truncatingIfNeeded: magnitude | (value < 0 ? 8 : 0))
    }

    /// Packs `count` (even) nibbles of `values` two to a byte, as `pack_fp4_to_uint8` does: the
    /// even element in the low nibble, the odd one in the high nibble.
    @inlinable @inline(__always)
    public static func pack(_ values: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        for p in 0..<(count / 2) {
            out[p] = code(values[2 * p]) | (code(values[2 * p + 1]) << 4)
        }
    }

    /// The two values of every byte, low nibble first: one load and one 8-byte store per byte.
    static let pairs: [SIMD2<Float>] = (0...255).map { SIMD2(value(UInt8($0) & 0xF), value(UInt8($0) >> 4)) }

    /// The value of an FP4 nibble, computed without a table; equal to `FP4E2M1.decode(_:)`. Codes 2...7 are normal (exponent and mantissa bits shifted into a
    /// float32 with the bias 1 turned into 127), code 1 is 0.5, code 0 zero; bit 3 is the sign.
    @inlinable @inline(__always)
    public static func value(_ nibble: UInt8) -> Float {
        let code = UInt32(nibble & 0x7)
        let magnitude: UInt32 = code == 0 ? 0 : (code >= 2 ? code << 22 : 0) &+ 0x3F00_0000
        return Float(bitPattern: magnitude | UInt32(nibble & 0x8) << 28)
    }
}
