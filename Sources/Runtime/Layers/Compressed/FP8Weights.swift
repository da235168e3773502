import Checkpoint

/// FP8 E4M3 weights (compressed-tensors "float-quantized") with per-tensor, per-channel or
/// block scales: `w = e4m3(code) · scale`.
struct FP8Weights: WeightDecoder {
    let outputFeatures: Int
    let inputFeatures: Int
    /// `outputFeatures × inputFeatures` E4M3 codes.
    let codes: [UInt8]
    let scales: ScaleGrid

    /// The f32 value of every E4M3 code.
    static let table: [Float] = (0...255).map { FP8E4M3.decode(UInt8($0)) }

    func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures
        Self.table.withUnsafeBufferPointer { table in
            codes.withUnsafeBufferPointer { codes in
                for (i, r) in rows.enumerated() {
                    let source = codes.baseAddress! + r * k, row = destination + i * k
                    for c in 0..<k { row[c] = table[Int(source[c])] }
                    scales.apply(row: r, columns: k, to: row, zeroPoints: nil)
                }
            }
        }
    }
}

/// A linear layer over FP8 weights (FP8_DYNAMIC, FP8_BLOCK, FP8 with static input scales).
typealias FP8Linear = CompressedLinear<FP8Weights>
