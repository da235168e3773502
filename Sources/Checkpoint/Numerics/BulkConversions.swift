/// Bulk conversions for hot paths: plain loops over raw buffers that the compiler vectorizes.
/// Each gives exactly what the scalar function gives, element by element.

extension BF16 {
    /// Widens bfloat16 bit patterns to float32: `dst[i] = BF16.float(src[i])` for every `i`
    /// of `src`.
    ///
    /// - Precondition: `dst.count >= src.count`.
    /// - Complexity: O(n), vectorized (a shift per element).
    @inlinable
    public static func floats(_ src: UnsafeBufferPointer<UInt16>, into dst: UnsafeMutableBufferPointer<Float>) {
        precondition(dst.count >= src.count, "BF16.floats: destination shorter than source")
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        for i in 0..<src.count {
            d[i] = Float(bitPattern: UInt32(s[i]) << 16)
        }
    }

    /// Rounds float32 values to bfloat16 bit patterns: `dst[i] = BF16.bits(src[i])`.
    ///
    /// - Precondition: `dst.count >= src.count`.
    /// - Complexity: O(n), vectorized (branch-free rounding, NaN by select).
    @inlinable
    public static func bits(_ src: UnsafeBufferPointer<Float>, into dst: UnsafeMutableBufferPointer<UInt16>) {
        precondition(dst.count >= src.count, "BF16.bits: destination shorter than source")
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        for i in 0..<src.count {
            let u = s[i].bitPattern
            let rounded = UInt16(truncatingIfNeeded: (u &+ (((u >> 16) & 1) &+ 0x7FFF)) >> 16)
            d[i] = u & 0x7FFF_FFFF > 0x7F80_0000 ? 0x7FC0 : rounded
        }
    }
}

extension F16 {
    /// Widens half bit patterns to float32: `dst[i] = F16.float(src[i])` for every `i` of
    /// `src`, NaN payloads included.
    ///
    /// - Precondition: `dst.count >= src.count`.
    /// - Complexity: O(n), vectorized (the three cases are computed and selected).
    @inlinable
    public static func floats(_ src: UnsafeBufferPointer<UInt16>, into dst: UnsafeMutableBufferPointer<Float>) {
        precondition(dst.count >= src.count, "F16.floats: destination shorter than source")
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        for i in 0..<src.count {
            let h = UInt32(s[i])
            let sign = (h & 0x8000) << 16
            let magnitude = h & 0x7FFF
            let shifted = magnitude << 13
            let normal = shifted &+ 0x3800_0000
            let subnormal = (Float(Int32(bitPattern: magnitude)) * 0x1p-24).bitPattern
            let special = shifted | 0x7F80_0000 | (magnitude > 0x7C00 ? 0x0040_0000 : 0)
            let body = magnitude < 0x0400 ? subnormal : (magnitude >= 0x7C00 ? special : normal)
            d[i] = Float(bitPattern: sign | body)
        }
    }

    /// Rounds float32 values to half bit patterns: `dst[i] = F16.bits(src[i])`.
    ///
    /// - Precondition: `dst.count >= src.count`.
    /// - Complexity: O(n).
    @inlinable
    public static func bits(_ src: UnsafeBufferPointer<Float>, into dst: UnsafeMutableBufferPointer<UInt16>) {
        precondition(dst.count >= src.count, "F16.bits: destination shorter than source")
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        for i in 0..<src.count {
            d[i] = bits(s[i])
        }
    }
}
