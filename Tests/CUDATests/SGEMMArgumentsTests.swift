import Testing
@testable import CUDA

@Suite("cuBLAS SGEMM arguments")
struct SGEMMArgumentsTests {
    /// BLAS's column-major `C = op(A)·op(B)` (alpha 1, beta 0) as `g` describes it, on host arrays;
    /// returns the largest index read or written in each array.
    @discardableResult
    func sgemm(_ g: SGEMMArguments, a: [Float], b: [Float], c: inout [Float]) -> (a: Int, b: Int, c: Int) {
        var reach = (a: -1, b: -1, c: -1)
        for j in 0..<Int(g.n) {
            for i in 0..<Int(g.m) {
                var sum: Float = 0
                for l in 0..<Int(g.k) {
                    let ai = g.transa == .transpose ? l + i * Int(g.lda) : i + l * Int(g.lda)
                    let bi = g.transb == .transpose ? j + l * Int(g.ldb) : l + j * Int(g.ldb)
                    sum += a[ai] * b[bi]
                    reach.a = max(reach.a, ai)
                    reach.b = max(reach.b, bi)
                }
                let ci = g.cOffset + i + j * Int(g.ldc)
                c[ci] = sum
                reach.c = max(reach.c, ci)
            }
        }
        return reach
    }

    @Test func aRowMajorProjectionIsTheTransposedWeightTimesTheInput() throws {
        let g = try SGEMMArguments(rows: 70, inputs: 100, outputs: 130, inputStride: 105, offset: 3, outputStride: 137)
        #expect(g.transa == .transpose && g.transa.rawValue == 1)  // CUBLAS_OP_T
        #expect(g.transb == .none && g.transb.rawValue == 0)  // CUBLAS_OP_N
        #expect([g.m, g.n, g.k, g.lda, g.ldb, g.ldc] == [130, 70, 100, 100, 105, 137])
        #expect(g.cOffset == 3)
        #expect(g.extents == (a: 130 * 100, b: 69 * 105 + 100, c: 3 + 69 * 137 + 130))
    }

    /// The arguments, run through BLAS's own definition, give `y = x·Wᵀ` in the column slice and
    /// leave the rest of `y` alone, reading and writing exactly within ``SGEMMArguments/extents``.
    @Test(arguments: [(rows: 5, inputs: 7, outputs: 3, inputStride: 7, offset: 0, outputStride: 3),
                      (rows: 4, inputs: 6, outputs: 5, inputStride: 9, offset: 2, outputStride: 11),
                      (rows: 1, inputs: 8, outputs: 4, inputStride: 8, offset: 4, outputStride: 8)])
    func blasComputesTheRowMajorProductIntoTheColumnSlice(shape: (rows: Int, inputs: Int, outputs: Int, inputStride: Int, offset: Int, outputStride: Int)) throws {
        let g = try SGEMMArguments(rows: shape.rows, inputs: shape.inputs, outputs: shape.outputs, inputStride: shape.inputStride,
                                   offset: shape.offset, outputStride: shape.outputStride)
        // Small integers: every sum is exact in any order.
        let x = (0..<shape.rows * shape.inputStride).map { Float($0 % 7 - 3) }
        let w = (0..<shape.outputs * shape.inputs).map { Float($0 % 5 - 2) }
        let before = (0..<shape.rows * shape.outputStride).map { Float(1000 + $0) }
        var y = before
        let reach = sgemm(g, a: w, b: x, c: &y)
        #expect(reach == (a: g.extents.a - 1, b: g.extents.b - 1, c: g.extents.c - 1))
        for r in 0..<shape.rows {
            for column in 0..<shape.outputStride {
                let o = column - shape.offset
                let expected = (0..<shape.outputs).contains(o)
                    ? (0..<shape.inputs).reduce(Float(0)) { $0 + x[r * shape.inputStride + $1] * w[o * shape.inputs + $1] }
                    : before[r * shape.outputStride + column]
                #expect(y[r * shape.outputStride + column] == expected, "row \(r), column \(column)")
            }
        }
    }

    @Test func noRowsIsAnEmptyProduct() throws {
        let g = try SGEMMArguments(rows: 0, inputs: 64, outputs: 32, inputStride: 64, offset: 0, outputStride: 32)
        #expect(g.n == 0 && g.extents.b == 0 && g.extents.c == 0)
    }

    @Test func shapesCuBLASCannotTakeAreRefused() {
        let refused: [(rows: Int, inputs: Int, outputs: Int, inputStride: Int, offset: Int, outputStride: Int)] = [
            (4, 100, 10, 99, 0, 10),  // input rows overlap
            (4, 100, 10, 100, 3, 12),  // columns past the row
            (4, 0, 10, 100, 0, 10), (4, 100, 0, 100, 0, 10), (-1, 100, 10, 100, 0, 10), (4, 100, 10, 100, -1, 10),
            (4, 100, 10, Int(Int32.max) + 1, 0, 10),  // past 32 bits
        ]
        for s in refused {
            #expect(throws: CUDAError.self, "\(s)") {
                try SGEMMArguments(rows: s.rows, inputs: s.inputs, outputs: s.outputs, inputStride: s.inputStride, offset: s.offset,
                                   outputStride: s.outputStride)
            }
        }
        #expect(throws: CUDAError.unsupportedShape(kernel: "cublasSgemm_v2", reason: "columns 3..<13 do not fit output rows of 12")) {
            try SGEMMArguments(rows: 4, inputs: 100, outputs: 10, inputStride: 100, offset: 3, outputStride: 12)
        }
    }

    @Test func cuBLASStatusesAreNamedAsTheHeaderNamesThem() {
        #expect(CUBLAS.statusName(0) == "CUBLAS_STATUS_SUCCESS")
        #expect(CUBLAS.statusName(7) == "CUBLAS_STATUS_INVALID_VALUE")
        #expect(CUBLAS.statusName(13) == "CUBLAS_STATUS_EXECUTION_FAILED")
        #expect(CUBLAS.statusName(2) == "unknown status")
        #expect(CUDAError.cublas(call: "cublasSgemm_v2(m 1)", code: 7, message: CUBLAS.statusName(7)).description
            == "cuBLAS: cublasSgemm_v2(m 1) failed with status 7 (CUBLAS_STATUS_INVALID_VALUE)")
    }
}
