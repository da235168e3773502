/// A linear layer with an f32 weight `[out, in]` (as checkpoints store it) and an optional bias,
/// multiplied with OpenBLAS.
public struct DenseLinear: Linear {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// `outputFeatures × inputFeatures`, row-major.
    public let weight: [Float]
    /// `outputFeatures` values, or nil.
    public let bias: [Float]?

    /// - Precondition: `weight.count == outputFeatures · inputFeatures`, and `bias` has
    ///   `outputFeatures` values when given (the weight loader checks shapes before building one).
    public init(weight: [Float], bias: [Float]?, outputFeatures: Int, inputFeatures: Int) {
        precondition(weight.count == outputFeatures * inputFeatures, "DenseLinear: weight size")
        precondition(bias.map { $0.count == outputFeatures } ?? true, "DenseLinear: bias size")
        self.weight = weight
        self.bias = bias
        self.outputFeatures = outputFeatures
        self.inputFeatures = inputFeatures
    }

    /// One layer computing the outputs of `parts` side by side (their weights stacked by rows), so
    /// that projections reading the same input take one GEMM. A part without a bias contributes
    /// zeros when another part has one.
    ///
    /// - Precondition: every part has the same `inputFeatures`.
    public init(stacking parts: [DenseLinear]) {
        let input = parts[0].inputFeatures
        precondition(parts.allSatisfy { $0.inputFeatures == input }, "DenseLinear: stacked parts differ in input width")
        let output = parts.reduce(0) { $0 + $1.outputFeatures }
        let hasBias = parts.contains { $0.bias != nil }
        self.init(
            weight: parts.flatMap(\.weight),
            bias: hasBias ? parts.flatMap { $0.bias ?? Array(repeating: 0, count: $0.outputFeatures) } : nil,
            outputFeatures: output, inputFeatures: input)
    }

    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            if rows == 1 {
                BLAS.gemv(m: outputFeatures, n: inputFeatures, a: w.baseAddress!, lda: inputFeatures, x: input, y: output)
            } else {
                BLAS.gemm(
                    m: rows, n: outputFeatures, k: inputFeatures, a: input, lda: inputFeatures,
                    b: w.baseAddress!, ldb: inputFeatures, transposeB: true, c: output, ldc: outputFeatures)
            }
        }
        guard let bias else { return }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows { VectorMath.add(b.baseAddress!, to: output + r * outputFeatures, count: outputFeatures) }
        }
    }
}
