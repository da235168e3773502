import Runtime
import Testing

struct TransposeTests {
    /// Every value lands at its mirrored place, for shapes with and without whole 4 × 4 blocks and
    /// rows further apart than they are long.
    @Test(arguments: [(1, 1, 1), (3, 5, 5), (4, 4, 4), (8, 12, 12), (13, 7, 9), (64, 192, 200), (129, 64, 192)])
    func everyValueLandsMirrored(rows: Int, columns: Int, stride: Int) {
        let source = (0..<rows * stride).map { Float($0) }
        let transposed = source.withUnsafeBufferPointer {
            CPUKernels.transposed($0.baseAddress!, rows: rows, columns: columns, stride: stride)
        }
        let expected = (0..<columns).flatMap { c in (0..<rows).map { r in source[r * stride + c] } }
        #expect(transposed == expected)
    }
}
