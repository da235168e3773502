import Checkpoint

/// FP4 E2M1 weights, two per byte with the even column in the low nibble (compressed-tensors
/// "nvfp4-pack-quantized" and "mxfp4-pack-quantized"): `w = fp4(code) · scale`, where the scale
/// is NVFP4's `e4m3(weight_scale) / weight_global_scale` per group of 16 or MXFP4's
/// `2^(weight_scale − 127)` per group of 32, decoded at load into ``ScaleGrid``.
struct FP4Weights: WeightDecoder {
    let outputFeatures: Int
    let inputFeatures: Int
    /// `outputFeatures × ceil(inputFeatures / 2)` bytes.
    let bytes: [UInt8]
    let scales: ScaleGrid

    /// The value of every FP4 code.
    static let table: [Float] = (0..<16).map { FP4E2M1.decode(UInt8($0)) }

    var bytesPerRow: Int { (inputFeatures + 1) / 2 }

    func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, width = bytesPerRow
        Self.table.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { bytes in
                for (i, r) in rows.enumerated() {
                    let source = bytes.baseAddress! + r * width, row = destination + i * k
                    for b in 0..<(k / 2) {
                        let byte = source[b]
                        row[2 * b] = table[Int(byte & 0xF)]
                        row[2 * b + 1] = table[Int(byte >> 4)]
                    }
                    if k % 2 == 1 { row[k - 1] = table[Int(source[k / 2] & 0xF)] }
                    scales.apply(row: r, columns: k, to: row, zeroPoints: nil)
                }
            }
        }
    }
}

/// A linear layer over NVFP4 or MXFP4 weights (NVFP4A16, MXFP4A16).
typealias FP4Linear = CompressedLinear<FP4Weights>
