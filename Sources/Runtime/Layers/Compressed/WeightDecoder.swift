/// Compressed weights `[outputFeatures, inputFeatures]` that can decode any block of rows to f32,
/// which is how ``CompressedLinear`` multiplies them a tile at a time, and that a CKernels kernel
/// may multiply straight from their stored format.
protocol WeightDecoder: Sendable {
    var outputFeatures: Int { get }
    var inputFeatures: Int { get }
    /// Writes rows `rows` of the dequantized weight, `rows.count × inputFeatures` row-major, to
    /// `destination`.
    func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>)
    /// Whether a kernel takes this layout (bits, scale groups, zero points), so that
    /// ``multiply(_:rows:outputs:into:)`` may be called.
    var multipliesInPlace: Bool { get }
    /// `y[r·outputFeatures + o] = Σ_c x[r·inputFeatures + c] · w[o, c]` for `rows` rows of x and
    /// the outputs `outputs`, decoding the weight in the kernel's registers or tiles.
    /// - Precondition: ``multipliesInPlace``.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>)
}
