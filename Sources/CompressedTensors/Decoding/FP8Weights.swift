import Checkpoint

/// FP8 E4M3 weights (compressed-tensors "float-quantized") with per-tensor, per-channel or
/// block scales: `w = e4m3(code) · scale`.
public struct FP8Weights: WeightDecoder {
    public let outputFeatures: Int
    public let inputFeatures: Int
    /// `outputFeatures × inputFeatures` E4M3 codes.
    public let codes: [UInt8]
    /// The scale of each block of codes.
    public let scales: ScaleGrid

    public func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures
        codes.withUnsafeBufferPointer { codes in
            for (i, r) in rows.enumerated() {
                let source = codes.baseAddress! + r * k, row = destination + i * k
                for c in 0..<k { row[c] = Self.value(source[c]) }
                scales.apply(row: r, columns: k, to: row, zeroPoints: nil)
            }
        }
    }

    /// The value of a finite E4M3 code, branch-free so that loops over codes vectorize: the
    /// exponent and mantissa bits, placed at the top of a float32's exponent and fraction, read
    /// as a float32 2^120 times too small (the bias 127 against E4M3's 7), subnormals included.
    /// Equal to ``FP8E4M3/decode(_:)`` for every code but the NaNs `0x7F`/`0xFF`, which
    /// quantizers never write (they saturate to ±448).
    @inline(__always)
    static func value(_ code: UInt8) -> Float {
        let bits = UInt32(code)
        let magnitude = Float(bitPattern: (bits & 0x7F) << 20) * 0x1p120
        return Float(bitPattern: magnitude.bitPattern | (bits & 0x80) << 24)
    }
}
