import CKernels
import Checkpoint

/// A linear layer with a dense weight `[out, in]` (as checkpoints store it), in f32 or bf16, and
/// an optional bias, multiplied by the CKernels kernels: bf16 weights are widened in registers,
/// exactly, so both give the f32 product of the stored values, unless the layer multiplies
/// ``Products/bfloat16``.
public struct DenseLinear: Linear {
    /// What the products of a layer with bf16 weights multiply.
    public enum Products: Sendable {
        /// x in f32 times the weights widened: the f32 product of the stored values.
        case float32
        /// x rounded to bf16 (nearest even) times the bf16 weights, summed in f32, as a bf16 model
        /// computes it in PyTorch (`ck_matmul_bf16_inputs`): twice the speed on CPUs with AVX512_BF16.
        case bfloat16
        /// x split into its bf16 rounding and an int8 remainder (``MatmulPrecision/high``,
        /// `ck_matmul_bf16_split`) for products of at least ``splitRows`` rows on CPUs that run
        /// it; otherwise ``float32``.
        case split

        /// The products of many rows as this CPU runs them: "float32", "split" or "bfloat16"
        /// (``split`` is "float32" where the CPU cannot run the split products).
        public var nameOnThisCPU: String {
            switch self {
            case .float32: "float32"
            case .bfloat16: "bfloat16"
            case .split: MatmulPrecision.splitRuns ? "split" : "float32"
            }
        }

        /// Rows of x from which ``split`` runs the split products: the panels' own threshold.
        public static let splitRows = 64

        /// Whether a layer whose weights are stored in `dtype` rounds its inputs to bf16 under
        /// these products (bf16 weights multiplying ``bfloat16``).
        public func roundsInputs(ofWeightsIn dtype: DType) -> Bool { self == .bfloat16 && dtype == .bf16 }
    }

    /// A weight's values, `outputFeatures × inputFeatures` row-major.
    enum Weight: Sendable {
        case f32([Float])
        /// The top halves of the f32 values, as bf16 checkpoints store them.
        case bf16([UInt16])

        var count: Int {
            switch self {
            case let .f32(values): values.count
            case let .bf16(values): values.count
            }
        }
    }

    public let inputFeatures: Int
    public let outputFeatures: Int
    let weight: Weight
    /// `outputFeatures` values, or nil.
    public let bias: [Float]?
    /// What a bf16 weight multiplies (f32 weights always multiply f32 inputs).
    let products: Products

    /// - Precondition: `weight.count == outputFeatures · inputFeatures`, and `bias` has
    ///   `outputFeatures` values when given (the weight loader checks shapes before building one).
    public init(weight: [Float], bias: [Float]?, outputFeatures: Int, inputFeatures: Int) {
        self.init(weight: .f32(weight), bias: bias, outputFeatures: outputFeatures, inputFeatures: inputFeatures)
    }

    init(weight: Weight, bias: [Float]?, outputFeatures: Int, inputFeatures: Int, products: Products = .float32) {
        precondition(weight.count == outputFeatures * inputFeatures, "DenseLinear: weight size")
        precondition(bias.map { $0.count == outputFeatures } ?? true, "DenseLinear: bias size")
        self.weight = weight
        self.bias = bias
        self.products = products
        self.outputFeatures = outputFeatures
        self.inputFeatures = inputFeatures
    }

    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures
        switch weight {
        case let .f32(values):
            values.withUnsafeBufferPointer { w in
                CPUKernels.multiply(input, ldx: k, rows: rows, by: w.baseAddress!, ldw: k, outputs: n, columns: k, into: output, ldy: n)
            }
        case let .bf16(values) where products == .split && rows >= Products.splitRows && MatmulPrecision.splitRuns:
            values.withUnsafeBufferPointer { w in
                CPUKernels.multiplySplit(input, ldx: k, rows: rows, by: w.baseAddress!, ldw: k, outputs: n, columns: k, into: output, ldy: n)
            }
        case let .bf16(values):
            values.withUnsafeBufferPointer { w in
                CPUKernels.forEachShare(outputs: n, work: rows * n * k) { share in
                    switch products {
                    case .float32, .split: ck_matmul_bf16(rows, share.lowerBound, share.count, k, input, k, w.baseAddress!, k, output, n)
                    case .bfloat16: ck_matmul_bf16_inputs(rows, share.lowerBound, share.count, k, input, k, w.baseAddress!, k, output, n)
                    }
                }
            }
        }
        VectorMath.add(bias, toRows: output, rows: rows)
    }
}
