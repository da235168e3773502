import Checkpoint

/// FP6 E2M3 weights, four per three bytes (compressed-tensors 0.20 "mxfp6-pack-quantized",
/// ``FP6Code``): `w = fp6(code) · 2^(weight_scale − 127)` per group of 32, the scales decoded at
/// load into ``ScaleGrid``.
public struct FP6Weights: WeightDecoder {
    public let outputFeatures: Int
    public let inputFeatures: Int
    /// `outputFeatures × inputFeatures · 3 / 4` bytes.
    public let bytes: [UInt8]
    /// The scale of each group of 32 values.
    public let scales: ScaleGrid

    /// Bytes per stored row.
    public var bytesPerRow: Int { FP6Code.byteCount(inputFeatures) }

    public func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, width = bytesPerRow
        bytes.withUnsafeBufferPointer { bytes in
            for (i, r) in rows.enumerated() {
                let row = destination + i * k
                FP6Code.unpack(bytes.baseAddress! + r * width, count: k, into: row)
                scales.apply(row: r, columns: k, to: row, zeroPoints: nil)
            }
        }
    }
}
