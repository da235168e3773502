import CKernels
import Checkpoint

/// The quantize-dequantize round trip compressed-tensors' `fake_quantize` makes of a weight value
/// for one candidate range, as the MSE observers evaluate it (``MSESearch``): the scale and zero
/// point `calculate_qparams` gives the range with no global scale and no scale dtype, then
/// `x / scale (+ zp)`, clamped to the grid and rounded to it, dequantized — every step in the
/// weight's dtype `S`.
protocol CandidateGrid: Sendable {
    /// Scale and zero point of the range `[lo, hi]` (finite values of `S`).
    func candidate<S: WeightStorage>(_: S.Type, lo: Float, hi: Float) -> (scale: Float, zeroPoint: Float)
    /// `x` quantized with them and dequantized.
    func roundTrip<S: WeightStorage>(_: S.Type, _ x: Float, scale: Float, zeroPoint: Float) -> Float
    /// The same grid as `CKernels` searches it (`ck_mse_errors`), all but the dtype, eps and power table.
    var kernelGrid: ck_mse_grid { get }
}

extension IntegerGrid: CandidateGrid {
    @inline(__always)
    func candidate<S: WeightStorage>(_: S.Type, lo: Float, hi: Float) -> (scale: Float, zeroPoint: Float) {
        let (scale, zeroPoint) = parameters(S.self, minimum: lo, maximum: hi)
        return (S.float(scale), Float(zeroPoint))
    }

    @inline(__always)
    func roundTrip<S: WeightStorage>(_: S.Type, _ x: Float, scale: Float, zeroPoint: Float) -> Float {
        let shifted = S.rounded(S.rounded(x / scale) + zeroPoint)
        // Round half to even by adding and subtracting 1.5 * 2^23, exact for the clamped value.
        let magic: Float = 0x1.8p23
        let code = (Swift.min(Swift.max(shifted, qmin), qmax) + magic) - magic
        return S.rounded((code - zeroPoint) * scale)
    }

    var kernelGrid: ck_mse_grid {
        ck_mse_grid(dtype: CK_MSE_BF16, element: CK_MSE_INT, symmetric: symmetric ? 1 : 0, qmin: qmin, qmax: qmax, eps: 0, power: nil, parts: nil)
    }
}

/// The float element grids: FP8 E4M3 (`halfRange` 448) and FP4 E2M1 (6), symmetric, zero point 0.
struct FloatCandidateGrid: CandidateGrid {
    enum Element: Sendable { case fp8, fp4 }
    let element: Element

    var halfRange: Float { element == .fp8 ? FP8E4M3.maxFinite : FP4E2M1.maxFinite }

    @inline(__always)
    func candidate<S: WeightStorage>(_: S.Type, lo: Float, hi: Float) -> (scale: Float, zeroPoint: Float) {
        let scale = S.rounded(Swift.max(-Swift.min(lo, 0), Swift.max(hi, 0)) / halfRange)
        return (scale == 0 ? S.eps : scale, 0)
    }

    @inline(__always)
    func roundTrip<S: WeightStorage>(_: S.Type, _ x: Float, scale: Float, zeroPoint _: Float) -> Float {
        S.rounded(element(nearest: S.rounded(x / scale)) * scale)
    }

    /// The element nearest to `quotient` (finite) clamped to `±halfRange`, as compressed-tensors'
    /// `round_to_quantized_type_args` clamps and casts it.
    @inline(__always)
    func element(nearest quotient: Float) -> Float {
        let clamped = Swift.min(Swift.max(quotient, -halfRange), halfRange)
        return element == .fp8 ? FP8E4M3.decode(FP8E4M3.encodeFinite(clamped)) : FP4E2M1.decode(FP4E2M1.encode(clamped))
    }

    var kernelGrid: ck_mse_grid {
        ck_mse_grid(dtype: CK_MSE_BF16, element: element == .fp8 ? CK_MSE_FP8 : CK_MSE_FP4, symmetric: 1, qmin: 0, qmax: 0, eps: 0, power: nil, parts: nil)
    }
}
