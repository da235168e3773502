import CKernels
import Checkpoint
import CompressedTensors
@testable import Modifiers
import Testing
import TestSupport

/// `ck_nvfp4_quantize` and `ck_group_maxima16`, on every path this CPU runs (portable, AVX2, AVX-512), gives the NVFP4
/// codes and scale codes of the format's own definitions (`FP8E4M3.encode`/`decode`,
/// `FP4E2M1.encode`, the scale rounded to the weight's dtype) for bf16 and f16 groups: group counts
/// that do not fill the vector lanes, an all-zero group (the eps scale code), FP4 ties, values
/// above the chosen range (saturating), FP8-subnormal scales, a NaN group and an infinite one.
@Suite struct NVFP4KernelTests {
    static let paths = [CK_PORTABLE, CK_AVX2, CK_AVX512].filter { ck_path_supported($0) != 0 }
    static let ties: [Float] = [6, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, -0.25, -0.75, -1.25, -1.75, -2.5, -3.5, -5, -0.0]

    /// 37 groups of 16: group 0 zeros, group 1 the ties of E2M1 at scale 1, group 2 values near
    /// 2^-12 (subnormal FP8 scales), the rest uniform in ±magnitude.
    static func values<S: WeightStorage>(_: S.Type, magnitude: Float) -> [S.Bits] {
        var random = SeededRandom(seed: 0x9E37_79B9_7F4A_7C15)
        return (0..<37 * 16).map { i in
            switch i / 16 {
            case 0: S.bits(0)
            case 1: S.bits(ties[i % 16])
            case 2: S.bits(Float.random(in: -1...1, using: &random) * 0x1p-12)
            default: S.bits(Float.random(in: -magnitude...magnitude, using: &random))
            }
        }
    }

    /// Packed codes then scale codes, from the definitions.
    static func expected<S: WeightStorage>(_: S.Type, _ values: [S.Bits], maxima: [S.Bits], global: Float) -> [UInt8] {
        var packed = [UInt8](), scales = [UInt8]()
        for (g, m) in maxima.enumerated() {
            let product = global * S.rounded(S.float(m) / 6)
            var code = product.isNaN ? FP8E4M3.nanCode : FP8E4M3.encode(product)
            if code == 0 { code = 0x20 }
            scales.append(code)
            let divisor = FP8E4M3.decode(code) / global
            for p in 0..<8 {
                let (even, odd) = (S.float(values[g * 16 + 2 * p]), S.float(values[g * 16 + 2 * p + 1]))
                packed.append(product.isNaN ? 0 : FP4E2M1.encode(even / divisor) | FP4E2M1.encode(odd / divisor) << 4)
            }
        }
        return packed + scales
    }

    func check<S: WeightStorage>(_: S.Type, values: [S.Bits], maxima: [S.Bits], global: Float, _ label: String) {
        let expected = Self.expected(S.self, values, maxima: maxima, global: global)
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            var packed = [UInt8](repeating: 0xAA, count: maxima.count * 8), scales = [UInt8](repeating: 0xAA, count: maxima.count)
            values.withUnsafeBytes { v in
                maxima.withUnsafeBytes { m in
                    ck_nvfp4_quantize(S.kernelDType!, maxima.count, v.bindMemory(to: UInt16.self).baseAddress,
                                      m.bindMemory(to: UInt16.self).baseAddress, global, &packed, &scales)
                }
            }
            let differing = zip(packed + scales, expected).filter { $0 != $1 }.count
            #expect(differing == 0, "\(String(cString: ck_path_name(path))) \(S.dtype) \(label): \(differing) bytes differ")
        }
        _ = ck_use_path(CK_CHOSEN)
    }

    func checkDType<S: WeightStorage>(_: S.Type) {
        var values = Self.values(S.self, magnitude: 0.05)
        let maxima = (0..<37).map { S.largestMagnitude(values.withUnsafeBufferPointer { $0.baseAddress! } + $0 * 16, count: 16) }
        let absmax = S.float(maxima.max()!)
        for global in [1, NVFP4Quantizer.globalScale(S.self, absmax: absmax), 1e-3] {
            check(S.self, values: values, maxima: maxima, global: global, "global \(global)")
        }
        // An observer's smaller ranges: values beyond 6 saturate.
        check(S.self, values: values, maxima: maxima.map { S.bits(S.float($0) / 3) }, global: 1, "shrunk ranges")
        // A NaN in group 5 and an infinity in group 6, as NonFiniteWeights quantizes them.
        values[5 * 16 + 3] = S.bits(.nan)
        values[6 * 16 + 7] = S.bits(-.infinity)
        let withNonFinite = (0..<37).map { S.largestMagnitude(values.withUnsafeBufferPointer { $0.baseAddress! } + $0 * 16, count: 16) }
        for global in [1, 0, 2] as [Float] {
            check(S.self, values: values, maxima: withNonFinite, global: global, "non-finite, global \(global)")
        }
    }

    /// `ck_group_maxima16` gives `largestMagnitude` of every group of 16: negative values (whose
    /// sign bit is above every magnitude), NaN and Inf included.
    @Test func groupMaximaAreTheLargestMagnitudes() {
        var values = Self.values(BF16Storage.self, magnitude: 0.05)
        values[5 * 16 + 3] = BF16Storage.bits(.nan)
        values[6 * 16 + 7] = BF16Storage.bits(-.infinity)
        values[7 * 16] = 0x8001
        let expected = (0..<37).map { g in values.withUnsafeBufferPointer { BF16Storage.largestMagnitude($0.baseAddress! + g * 16, count: 16) } }
        for path in Self.paths {
            #expect(ck_use_path(path) == 1)
            var maxima = [UInt16](repeating: 0xAAAA, count: 37)
            ck_group_maxima16(37, values, &maxima)
            #expect(maxima == expected, "\(String(cString: ck_path_name(path)))")
        }
        _ = ck_use_path(CK_CHOSEN)
    }

    @Test func bf16MatchesTheFormatDefinitions() { checkDType(BF16Storage.self) }

    @Test func f16MatchesTheFormatDefinitions() { checkDType(F16Storage.self) }
}
