/// Int8 weights (compressed-tensors "int-quantized", values of up to 8 bits stored one a byte):
/// `w = (q − zeroPoint) · scale`.
public struct Int8Weights: WeightDecoder {
    public let outputFeatures: Int
    public let inputFeatures: Int
    /// `outputFeatures × inputFeatures` values.
    public let values: [Int8]
    /// The scale of each block of values.
    public let scales: ScaleGrid
    /// Zero points laid out as `scales.values`; nil for symmetric weights.
    public let zeroPoints: [Float]?

    public func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures
        values.withUnsafeBufferPointer { values in
            zeroPoints.withUnsafeValues { zeroPoints in
                for (i, r) in rows.enumerated() {
                    let source = values.baseAddress! + r * k, row = destination + i * k
                    for c in 0..<k { row[c] = Float(source[c]) }
                    scales.apply(row: r, columns: k, to: row, zeroPoints: zeroPoints)
                }
            }
        }
    }
}
