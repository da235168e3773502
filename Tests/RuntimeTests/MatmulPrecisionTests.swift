import Runtime
import Testing
import TestSupport

/// A bf16 model multiplying ``DenseLinear/Products/split`` (`--matmul-precision high`) against
/// ``DenseLinear/Products/float32``: products of 64 rows or more run the split products, within
/// 1e-4 of each row's largest logit on this two-layer model; fewer rows are the f32 products, bit
/// for bit.
@Suite struct MatmulPrecisionTests {
    static let directory = Fixtures.path("models/llama_calib")

    func logits(_ products: DenseLinear.Products, tokens: Int) throws -> Matrix {
        let model = try DecoderModel(directory: Self.directory, threads: 2, bf16Products: products)
        return try model.forward((0..<tokens).map { ($0 * 37) % 900 }, cache: model.makeCache())
    }

    @Test(.enabled(if: MatmulPrecision.splitRuns, "the CPU has no AVX512_BF16"))
    func manyRowsRunTheSplitProductsNearTheF32Ones() throws {
        let exact = try logits(.float32, tokens: 100), split = try logits(.split, tokens: 100)
        #expect(exact.values != split.values, "the split products did not run")
        var worst: Float = 0
        for row in 0..<exact.rows {
            let range = (row * exact.columns)..<((row + 1) * exact.columns)
            let largest = exact.values[range].map(abs).max()!
            worst = max(worst, zip(exact.values[range], split.values[range]).map { abs($0 - $1) }.max()! / largest)
        }
        #expect(worst < 1e-4, "largest move \(worst) of a row's largest logit")
    }

    @Test func fewRowsAreTheF32Products() throws {
        #expect(try logits(.split, tokens: 63).values == logits(.float32, tokens: 63).values)
    }
}
