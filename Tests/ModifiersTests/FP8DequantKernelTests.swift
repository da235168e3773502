import CKernels
import Checkpoint
import Testing

/// `ck_fp8_block_row_bf16`, on every path this CPU runs (portable, AVX2, AVX-512), gives the bf16
/// of `FP8E4M3.decode(code) · scale` rounded as `BF16.bits` rounds it, for every code (the NaN
/// codes included), blocks whose width is not a multiple of the vector lanes, a last partial
/// block, and scales whose products are subnormal, overflow or are NaN.
@Suite struct FP8DequantKernelTests {
    static let paths = [CK_PORTABLE, CK_AVX2, CK_AVX512].filter { ck_path_supported($0) != 0 }

    @Test(arguments: [16, 37, 128])
    func matchesTheDefinition(block: Int) {
        let columns = 3 * 256 + 5
        let codes = (0..<columns).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let scaleChoices: [Float] = [1.5e-4, 0x1p-140, 0x1p120, 1, .nan, 3.3e-3, .infinity, 0]
        let scales = (0..<(columns + block - 1) / block).map { scaleChoices[$0 % scaleChoices.count] }
        let expected = (0..<columns).map { BF16.bits(FP8E4M3.decode(codes[$0]) * scales[$0 / block]) }
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            var out = [UInt16](repeating: 0xAAAA, count: columns)
            ck_fp8_block_row_bf16(columns, codes, scales, block, &out)
            let differing = zip(out, expected).filter { $0 != $1 }.count
            #expect(differing == 0, "\(String(cString: ck_path_name(path))) block \(block): \(differing) values differ")
        }
        _ = ck_use_path(CK_CHOSEN)
    }
}
