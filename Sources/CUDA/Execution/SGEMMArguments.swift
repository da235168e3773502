/// The column-major `cublasSgemm_v2` arguments that compute a row-major projection
/// `y[r, offset + o] = Σ_c x[r, c] · W[o, c]` (alpha 1, beta 0): `x` holds `rows` rows of `inputs`
/// floats, `inputStride` apart; `W` is row-major `outputs × inputs` (as checkpoints store it); `y`'s rows
/// are `outputStride` floats apart, the product written into columns `offset ..< offset + outputs`.
///
/// Read column-major, row-major `y` is C (`outputs × rows`, ldc = `outputStride`), `W` is A
/// (`inputs × outputs`, lda = `inputs`) taken transposed, and `x` is B (`inputs × rows`, ldb =
/// `inputStride`) taken as it is: C = Aᵀ·B. Pure host logic, tested without a GPU.
public struct SGEMMArguments: Equatable, Sendable, CustomStringConvertible {
    /// `cublasOperation_t`.
    public enum Operation: Int32, Sendable {
        /// `CUBLAS_OP_N`.
        case none = 0
        /// `CUBLAS_OP_T`.
        case transpose = 1
    }

    /// How A (the weight) and B (the input) are taken.
    public let transa: Operation, transb: Operation
    /// C is `m × n`; the sums run over `k`.
    public let m: Int32, n: Int32, k: Int32
    /// The leading dimensions (floats between columns) of A, B and C.
    public let lda: Int32, ldb: Int32, ldc: Int32
    /// Floats from the start of `y` to C's first element.
    public let cOffset: Int

    /// - Throws: ``CUDAError/unsupportedShape(kernel:reason:)`` for sizes below 1 (rows may be 0), an
    ///   input stride below `inputs`, columns past `outputStride`, or a value past `Int32.max`.
    public init(rows: Int, inputs: Int, outputs: Int, inputStride: Int, offset: Int, outputStride: Int) throws(CUDAError) {
        func refuse(_ reason: String) -> CUDAError { .unsupportedShape(kernel: "cublasSgemm_v2", reason: reason) }
        guard rows >= 0, inputs >= 1, outputs >= 1, offset >= 0 else {
            throw refuse("\(rows) rows of \(inputs) inputs to \(outputs) outputs at column \(offset)")
        }
        guard inputStride >= inputs else { throw refuse("input rows \(inputStride) floats apart hold fewer than their \(inputs) inputs") }
        guard offset + outputs <= outputStride else {
            throw refuse("columns \(offset)..<\(offset + outputs) do not fit output rows of \(outputStride)")
        }
        let limit = Int(Int32.max)
        guard [rows, inputs, outputs, inputStride, outputStride].allSatisfy({ $0 <= limit }) else {
            throw refuse("\(rows) rows, \(inputs) inputs, \(outputs) outputs, strides \(inputStride) and \(outputStride): past cuBLAS's 32-bit sizes")
        }
        transa = .transpose
        transb = .none
        m = Int32(outputs)
        n = Int32(rows)
        k = Int32(inputs)
        lda = Int32(inputs)
        ldb = Int32(inputStride)
        ldc = Int32(outputStride)
        cOffset = offset
    }

    /// The floats A (the weight), B (the input) and C (the output, from the start of `y`) span.
    public var extents: (a: Int, b: Int, c: Int) {
        guard n > 0 else { return (Int(lda) * Int(m), 0, 0) }
        return (Int(lda) * (Int(m) - 1) + Int(k), Int(ldb) * (Int(n) - 1) + Int(k), cOffset + Int(ldc) * (Int(n) - 1) + Int(m))
    }

    public var description: String {
        "transa \(transa == .transpose ? "T" : "N"), transb \(transb == .transpose ? "T" : "N"), m \(m), n \(n), k \(k), "
            + "lda \(lda), ldb \(ldb), ldc \(ldc), C at +\(cOffset)"
    }
}
