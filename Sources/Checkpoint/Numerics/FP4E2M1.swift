/// FP4 E2M1, the element type of NVFP4 and MXFP4: a 4-bit code `s e e m` (bias 1), whose
/// magnitudes are 0, 0.5, 1, 1.5, 2, 3, 4, 6. No infinities, no NaN. The sign is bit 3.
public enum FP4E2M1 {
    /// The largest magnitude, code 7.
    public static let maxFinite: Float = 6

    /// The value of the low four bits of `nibble` (higher bits are ignored). Code 8 is `-0.0`.
    @inlinable
    public static func decode(_ nibble: UInt8) -> Float {
        let magnitude: Float
        switch nibble & 0x7 {
        case 0: magnitude = 0
        case 1: magnitude = 0.5
        case 2: magnitude = 1
        case 3: magnitude = 1.5
        case 4: magnitude = 2
        case 5: magnitude = 3
        case 6: magnitude = 4
        default: magnitude = 6
        }
        return nibble & 0x8 != 0 ? -magnitude : magnitude
    }

    /// The nibble (0...15) that compressed-tensors 0.19 stores for `value`, i.e. the code of
    /// `cast_to_fp4(value)` (its eager/CPU path in
    /// `compressed_tensors/quantization/utils/fp4_utils.py`) as packed by `pack_fp4_to_uint8`
    /// (`compressed_tensors/compressors/nvfp4/helpers.py`):
    /// - the magnitude goes to the nearest FP4 value, and a tie goes to the even code, because
    ///   the thresholds are `<= 0.25 -> 0`, `< 0.75 -> 0.5`, `<= 1.25 -> 1`, `< 1.75 -> 1.5`,
    ///   `<= 2.5 -> 2`, `< 3.5 -> 3`, `<= 5 -> 4`, and above 5 -> 6 (so 0.75 -> 1, 1.75 -> 2,
    ///   3.5 -> 4 go up, 0.25 -> 0, 1.25 -> 1, 2.5 -> 2, 5 -> 4 go down);
    /// - anything above 5, infinity included, saturates to 6 (compressed-tensors also clamps
    ///   to ±6 before the cast);
    /// - the sign bit is set when `value < 0`, even when the magnitude rounds to zero
    ///   (`torch.sign(x) * 0.0` is `-0.0`, whose sign bit the packer keeps): `-0.1` -> `0x8`,
    ///   but `-0.0` -> `0x0` (`torch.sign(-0.0)` is `+0`);
    /// - NaN, which the source leaves undefined (it reaches an out-of-range float -> int8
    ///   cast), is mapped to `0x0`.
    ///
    /// compressed-tensors applies this to `x / scale` already rounded to the model's dtype
    /// (bf16 for a bf16 model): callers round first when they emulate it.
    @inlinable
    public static func encode(_ value: Float) -> UInt8 {
        if value.isNaN { return 0 }
        let a = value.magnitude
        let code: UInt8
        if a <= 0.25 { code = 0 }
        else if a < 0.75 { code = 1 }
        else if a <= 1.25 { code = 2 }
        else if a < 1.75 { code = 3 }
        else if a <= 2.5 { code = 4 }
        else if a < 3.5 { code = 5 }
        else if a <= 5 { code = 6 }
        else { code = 7 }
        return value < 0 ? code | 0x8 : code
    }
}
