import Checkpoint

/// The FP8 E4M3 code of an NVFP4 group scale, as compressed-tensors' `calculate_qparams` rounds
/// it: `global · absmax / 6` (computed by the caller) cast to FP8, saturating at 448; NaN stays
/// NaN (`0x7F`), and a zero becomes `_get_dtype_eps(float8_e4m3fn)`, 0.125 (`0x20`).
public enum NVFP4ScaleCode {
    /// The code that replaces a zero scale.
    public static let zeroReplacement: UInt8 = 0x20

    /// The code of the scaled group maximum `product`.
    @inlinable @inline(__always)
    public static func code(_ product: Float) -> UInt8 {
        if product.isNaN { return FP8E4M3.nanCode }
        let code = FP8E4M3.encodeFinite(product)
        return code == 0 ? zeroReplacement : code
    }
}
