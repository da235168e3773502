/// `float8_e5m2`: 1 sign bit, 5 exponent bits (bias 15), 2 mantissa bits; the top byte of an
/// IEEE half, with infinities (`0x7C`) and NaNs (`0x7D`...`0x7F`). Largest finite: 57344 (`0x7B`).
public enum FP8E5M2 {
    /// The largest finite value, `0x7B`.
    public static let maxFinite: Float = 57344

    /// The E5M2 code of `value`, bit-identical to PyTorch's float32 -> `float8_e5m2` cast as
    /// recorded in `Tests/Fixtures/casts` (PyTorch 2.14 on x86 CPU):
    /// - round to nearest, ties to even, subnormals included (smallest: 2^-16 = `0x01`);
    /// - magnitudes that round past 57344 (61440 and up) become ±infinity (`0x7C`/`0xFC`), as do
    ///   infinities: no saturation in this format;
    /// - NaN becomes `0x7F` with the input's sign bit;
    /// - signed zeros keep their sign.
    @inlinable
    public static func encode(_ value: Float) -> UInt8 {
        let u = value.bitPattern
        let sign = UInt8(truncatingIfNeeded: u >> 24) & 0x80
        let magnitude = u & 0x7FFF_FFFF
        // 61440 is the tie between 57344 (0x7B, odd) and 65536 (0x7C, infinity), so from it on
        // everything is infinity. NaN keeps only its sign.
        if magnitude >= 0x4770_0000 { return sign | (magnitude > 0x7F80_0000 ? 0x7F : 0x7C) }
        return sign | UInt8(truncatingIfNeeded: roundMagnitudeToNearestEven(magnitude, mantissaBits: 2, bias: 15))
    }

    /// The float32 value of an E5M2 code: that of the half `code << 8`. Exact; NaNs are made
    /// quiet and keep sign and payload, as in PyTorch (`0x7D` gives `0x7FE0_0000`).
    @inlinable
    public static func decode(_ code: UInt8) -> Float {
        F16.float(UInt16(code) << 8)
    }

    /// E5M2 code of every bfloat16 bit pattern: `fromBF16[Int(b)] == encode(BF16.float(b))`.
    /// 65,536 entries, built on first use.
    public static let fromBF16: [UInt8] = (0...0xFFFF).map { encode(BF16.float(UInt16($0))) }

    /// E5M2 code of every half bit pattern: `fromF16[Int(h)] == encode(F16.float(h))`.
    /// 65,536 entries, built on first use.
    public static let fromF16: [UInt8] = (0...0xFFFF).map { encode(F16.float(UInt16($0))) }
}
