/// `bits`-bit integer weights packed into int32 words along each row (compressed-tensors
/// "pack-quantized", the W{2..8}A16 schemes): value `c` of a row is the field at bits
/// `c·bits ..< (c+1)·bits` of the row's little-endian word stream, stored as `q + 2^(bits-1)`;
/// `w = (q − zeroPoint) · scale`.
public struct PackedIntWeights: WeightDecoder {
    public let outputFeatures: Int
    public let inputFeatures: Int
    /// The width of each stored value, 1...8.
    public let bits: Int
    /// `outputFeatures × wordsPerRow` words.
    public let words: [UInt32]
    /// The scale of each block of values.
    public let scales: ScaleGrid
    /// Zero points laid out as `scales.values`, already unpacked; nil for symmetric weights.
    public let zeroPoints: [Float]?

    /// Words per stored row.
    public var wordsPerRow: Int { Int32Packing.wordCount(inputFeatures, bits: bits) }

    public func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, width = wordsPerRow, n = bits
        words.withUnsafeBufferPointer { words in
            zeroPoints.withUnsafeValues { zeroPoints in
                for (i, r) in rows.enumerated() {
                    let source = words.baseAddress! + r * width, row = destination + i * k
                    var done = 0
                    switch n {
                    case 4: done = Int32Packing.unpackWholeWords(source, into: row, columns: k, bits: 4)
                    case 8: done = Int32Packing.unpackWholeWords(source, into: row, columns: k, bits: 8)
                    case 2: done = Int32Packing.unpackWholeWords(source, into: row, columns: k, bits: 2)
                    default: break
                    }
                    for c in done..<k { row[c] = Float(Int32Packing.field(source, index: c, bits: n, count: width)) }
                    scales.apply(row: r, columns: k, to: row, zeroPoints: zeroPoints)
                }
            }
        }
    }
}
