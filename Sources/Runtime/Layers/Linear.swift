/// A linear layer `y = x·Wᵀ + b` over rows of f32 activations.
///
/// The dense implementation is ``DenseLinear`` (f32 or bf16 weights); compressed weights (FP8,
/// INT8, packed INT4, FP4) conform by decoding `W` inside the kernels that multiply it, so the model
/// code never sees the storage.
public protocol Linear: Sendable {
    /// The width of each input row.
    var inputFeatures: Int { get }
    /// The width of each output row.
    var outputFeatures: Int { get }
    /// Computes `rows` output rows from `rows` input rows.
    ///
    /// - Parameters:
    ///   - input: `rows × inputFeatures` values, row-major, contiguous.
    ///   - output: room for `rows × outputFeatures` values, row-major, contiguous; overwritten.
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>)
}
