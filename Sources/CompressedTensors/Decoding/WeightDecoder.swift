/// Compressed weights `[outputFeatures, inputFeatures]` that can decode any block of rows to f32,
/// which is how ``CompressedLinear`` multiplies them a tile at a time.
public protocol WeightDecoder: Sendable {
    var outputFeatures: Int { get }
    var inputFeatures: Int { get }
    /// Writes rows `rows` of the dequantized weight, `rows.count × inputFeatures` row-major, to
    /// `destination`.
    func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>)
}
