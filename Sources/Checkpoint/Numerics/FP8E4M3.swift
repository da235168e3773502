/// `float8_e4m3fn`: 1 sign bit, 4 exponent bits (bias 7), 3 mantissa bits; no infinities,
/// and only `S.1111.111` is NaN, so the largest finite value is 448 (`0x7E`).
public enum FP8E4M3 {
    /// The largest finite value, `0x7E`.
    public static let maxFinite: Float = 448

    /// The positive NaN code, `0x7F`.
    public static let nanCode: UInt8 = 0x7F

    /// The E4M3 code of `value`, bit-identical to PyTorch's float32 -> `float8_e4m3fn` cast as
    /// recorded in `Tests/Fixtures/casts` (PyTorch 2.14 on x86 CPU):
    /// - round to nearest, ties to even, subnormals included (smallest: 2^-9 = `0x01`;
    ///   2^-10 is a tie and goes to zero);
    /// - magnitudes that round past 448 (464 and up), and infinities, saturate to ±448
    ///   (`0x7E`/`0xFE`);
    /// - NaN becomes `0x7F` with the input's sign bit (`0xFF` for a negative NaN);
    /// - signed zeros keep their sign (`-0.0` is `0x80`).
    @inlinable
    public static func encode(_ value: Float) -> UInt8 {
        let u = value.bitPattern
        let sign = UInt8(truncatingIfNeeded: u >> 24) & 0x80
        let magnitude = u & 0x7FFF_FFFF
        // 464 is the tie between 448 (0x7E, even) and the missing 480, and rounds to 448; any
        // larger magnitude, infinity included, saturates to 448. NaN keeps only its sign.
        if magnitude >= 0x43E8_0000 { return sign | (magnitude > 0x7F80_0000 ? 0x7F : 0x7E) }
        return sign | UInt8(truncatingIfNeeded: roundMagnitudeToNearestEven(magnitude, mantissaBits: 3, bias: 7))
    }

    /// The float32 value of an E4M3 code. Exact. The NaN codes `0x7F`/`0xFF` give the float32
    /// NaN PyTorch gives, `0x7FF0_0000`/`0xFFF0_0000`.
    @inlinable
    public static func decode(_ code: UInt8) -> Float {
        let sign = UInt32(code & 0x80) << 24
        let exponent = UInt32(code >> 3) & 0xF
        let mantissa = UInt32(code & 0x7)
        if exponent == 0xF && mantissa == 0x7 {
            return Float(bitPattern: sign | 0x7FF0_0000)
        }
        if exponent == 0 {
            // Subnormal or zero: mantissa * 2^-9.
            return Float(bitPattern: sign | (Float(mantissa) * 0x1p-9).bitPattern)
        }
        // Rebias 7 -> 127 and move the 3 mantissa bits to the top of the float32 fraction.
        return Float(bitPattern: sign | ((exponent + 120) << 23) | (mantissa << 20))
    }

    /// E4M3 code of every bfloat16 bit pattern: `fromBF16[Int(b)] == encode(BF16.float(b))`.
    /// 65,536 entries, built on first use.
    public static let fromBF16: [UInt8] = (0...0xFFFF).map { encode(BF16.float(UInt16($0))) }

    /// E4M3 code of every half bit pattern: `fromF16[Int(h)] == encode(F16.float(h))`.
    /// 65,536 entries, built on first use.
    public static let fromF16: [UInt8] = (0...0xFFFF).map { encode(F16.float(UInt16($0))) }
}
