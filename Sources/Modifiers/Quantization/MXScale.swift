import CompressedTensors

/// The shared power-of-two scale of an MX group (MXFP4, MXFP6, MXFP8), as compressed-tensors 0.19
/// computes it (`generate_mx_scales` and `round_to_power_2` in
/// `quantization/utils/mxfp_utils.py`, `calculate_qparams` in `quantization/utils/helpers.py`,
/// `compress_mx_scale` in `compressors/mx_utils.py`). This is not the OCP rule, nor PyTorch's
/// float -> `float8_e8m0fnu` cast (`E8M0.encode`):
/// - the group's largest magnitude is rounded to a power of two on its bit pattern in the weight's
///   dtype: add `1 << (fraction bits - element mantissa bits - 1)` and keep sign and exponent, so
///   it rounds up only from a significand of 1.75 on (element mantissa 1: FP4, and FP8 which
///   compressed-tensors rounds as FP4) or 1.9375 on (3: FP6 E2M3, compressed-tensors 0.20's
///   `round_to_power_2(x, elem_mantissa)`); a zero exponent field (zero or subnormal) gives 0,
///   whose log2 is -inf;
/// - the exponent `e` of that power gives the code `127 + e - offset`, `offset = floor(log2(max))`
///   of the element type (2 for FP4 E2M1 and FP6 E2M3, 8 for FP8 E4M3), clamped to 0...255 (-inf
///   gives 0, infinity 255);
/// - the scale the values are divided by is `2^(code - 127)` rounded to the weight's dtype, or 1
///   where that is zero (the eps of `uint8`); the stored code is `127 + log2` of that scale.
struct MXScale<S: WeightStorage> {
    /// The code written to `weight_scale`.
    let storedCode: UInt8
    /// `1 / scale`, exact since the scale is a power of two (infinity gives 0).
    let reciprocal: Float

    /// The scale of a group whose largest magnitude has bit pattern `absmax` (sign clear, finite),
    /// for elements whose largest value is `2^elementOffset` times a significand rounded with
    /// `elementMantissa` bits.
    @inline(__always)
    init(absmax: S.Bits, elementOffset: Int, elementMantissa: Int) {
        let fraction = S.fractionBits
        let exponentMask = S.Bits((1 << S.exponentBits) - 1) << fraction
        let field = Int((absmax &+ (S.Bits(1) << (fraction - elementMantissa - 1))) & exponentMask) >> fraction
        let code = MXScaleCode.code(exponentField: field, exponentBits: S.exponentBits, exponentBias: S.exponentBias,
                                    elementOffset: elementOffset)
        let scale = S.rounded(Float(sign: .plus, exponent: code - 127, significand: 1))
        if scale == 0 {
            storedCode = 127
            reciprocal = 1
        } else {
            storedCode = UInt8(code)
            reciprocal = 1 / scale
        }
    }
}
