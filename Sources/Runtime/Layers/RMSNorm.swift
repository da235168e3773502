/// Root-mean-square normalization: `y = x / √(mean(x²) + ε) · w`, per row, in f32 with the mean
/// of squares accumulated in f64.
public struct RMSNorm: Sendable {
    /// The effective weight (Gemma's `1 + w` already added).
    public let weight: [Float]
    public let epsilon: Float

    public init(weight: [Float], epsilon: Float) {
        self.weight = weight
        self.epsilon = epsilon
    }

    /// Normalizes `rows` rows of `weight.count` values from `input` into `output` (which may be
    /// `input`); rows start `stride` values apart in both (default: packed).
    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, stride: Int? = nil) {
        let width = weight.count
        let step = stride ?? width
        weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let x = input + r * step
                let y = output + r * step
                let squares = VectorMath.sumOfSquares(x, count: width)
                let inverse = 1 / (Float(squares / Double(width)) + epsilon).squareRoot()
                for i in 0..<width { y[i] = w[i] * (x[i] * inverse) }
            }
        }
    }
}
