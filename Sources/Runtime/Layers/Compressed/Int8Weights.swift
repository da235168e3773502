/// Symmetric int8 weights (compressed-tensors "int-quantized"): `w = q · scale`.
struct Int8Weights: WeightDecoder {
    let outputFeatures: Int
    let inputFeatures: Int
    /// `outputFeatures × inputFeatures` values.
    let values: [Int8]
    let scales: ScaleGrid

    func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures
        values.withUnsafeBufferPointer { values in
            for (i, r) in rows.enumerated() {
                let source = values.baseAddress! + r * k, row = destination + i * k
                for c in 0..<k { row[c] = Float(source[c]) }
                scales.apply(row: r, columns: k, to: row, zeroPoints: nil)
            }
        }
    }
}

/// A linear layer over int8 weights (W8A8).
typealias Int8Linear = CompressedLinear<Int8Weights>
