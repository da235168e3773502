import Checkpoint

/// FP4 E2M1 weights, two per byte with the even column in the low nibble (compressed-tensors
/// "nvfp4-pack-quantized" and "mxfp4-pack-quantized"): `w = fp4(code) · scale`, where the scale
/// is NVFP4's `e4m3(weight_scale) / weight_global_scale` per group of 16 or MXFP4's
/// `2^(weight_scale − 127)` per group of 32, decoded at load into ``ScaleGrid``.
public struct FP4Weights: WeightDecoder {
    public let outputFeatures: Int
    public let inputFeatures: Int
    /// `outputFeatures × ceil(inputFeatures / 2)` bytes.
    public let bytes: [UInt8]
    /// The scale of each group of 16 (NVFP4) or 32 (MXFP4) values.
    public let scales: ScaleGrid

    /// Bytes per stored row.
    public var bytesPerRow: Int { FP4Nibble.byteCount(inputFeatures) }

    public func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, width = bytesPerRow
        FP4Nibble.pairs.withUnsafeBufferPointer { pairs in
            bytes.withUnsafeBufferPointer { bytes in
                for (i, r) in rows.enumerated() {
                    let source = bytes.baseAddress! + r * width, row = destination + i * k
                    let out = UnsafeMutableRawPointer(row)
                    for b in 0..<(k / 2) { out.storeBytes(of: pairs[Int(source[b])], toByteOffset: 8 * b, as: SIMD2<Float>.self) }
                    if k % 2 == 1 { row[k - 1] = FP4Nibble.value(source[k / 2] & 0xF) }
                    scales.apply(row: r, columns: k, to: row, zeroPoints: nil)
                }
            }
        }
    }
}
