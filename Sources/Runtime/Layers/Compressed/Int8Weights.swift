import CKernels

/// Int8 weights (compressed-tensors "int-quantized", values of up to 8 bits stored one a byte):
/// `w = (q − zeroPoint) · scale`.
struct Int8Weights: WeightDecoder {
    let outputFeatures: Int
    let inputFeatures: Int
    /// `outputFeatures × inputFeatures` values.
    let values: [Int8]
    let scales: ScaleGrid
    /// Zero points laid out as `scales.values`; nil for symmetric weights.
    let zeroPoints: [Float]?

    func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
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

    var multipliesInPlace: Bool { scales.taken(by: ck_int8_takes, columns: inputFeatures, zeroPoints: zeroPoints) }

    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let k = inputFeatures
        values.withUnsafeBytes { bytes in
            scales.withKernelScales(zeroPoints: zeroPoints) { scales in
                ck_matmul_int8(rows, outputs.lowerBound, outputs.count, k, x, k, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), k,
                               0, scales, y, outputFeatures)
            }
        }
    }
}

/// A linear layer over int8 weights (W8A8).
typealias Int8Linear = CompressedLinear<Int8Weights>
