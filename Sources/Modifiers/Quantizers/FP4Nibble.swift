/// FP4 E2M1 codes as compressed-tensors 0.19 stores them, computed without branches so that
/// loops over them vectorize.
enum FP4Nibble {
    /// The nibble of `value`: equal to `FP4E2M1.encode(value)` for every Float, NaN included.
    ///
    /// The magnitude code counts the thresholds of `cast_to_fp4` the magnitude passes (ties at
    /// 0.25, 1.25, 2.5 and 5 stay down, ties at 0.75, 1.75 and 3.5 go up: nearest, ties to even);
    /// bit 3 is set for negative values, including those whose magnitude rounds to zero.
    @inline(__always)
    static func code(_ value: Float) -> UInt8 {
        let a = value.magnitude
        var code: UInt8 = a > 0.25 ? 1 : 0
        code &+= a >= 0.75 ? 1 : 0
        code &+= a > 1.25 ? 1 : 0
        code &+= a >= 1.75 ? 1 : 0
        code &+= a > 2.5 ? 1 : 0
        code &+= a >= 3.5 ? 1 : 0
        code &+= a > 5 ? 1 : 0
        return code | (value < 0 ? 8 : 0)
    }

    /// Packs `count` (even) nibbles of `values` two to a byte, as `pack_fp4_to_uint8` does: the
    /// even element in the low nibble, the odd one in the high nibble.
    @inline(__always)
    static func pack(_ values: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        for p in 0..<(count / 2) {
            out[p] = code(values[2 * p]) | (code(values[2 * p + 1]) << 4)
        }
    }
}
