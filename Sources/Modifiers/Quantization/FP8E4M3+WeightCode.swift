import Checkpoint

extension FP8E4M3 {
    /// The code compressed-tensors stores for a weight quotient `w / scale` already rounded to the
    /// weight's dtype: it adds the symmetric zero point (0) before the cast, which turns `-0.0`
    /// into `+0.0` (code 0x00, not 0x80); a negative quotient that only rounds to zero in E4M3
    /// keeps its sign. Finite quotients only.
    @inline(__always)
    static func weightCode(_ quotient: Float) -> UInt8 {
        encodeFinite(quotient + 0)
    }
}
