import CKernels
@testable import Modifiers
import Testing

/// The bf16 power table in the parts the AVX-512 MSE kernel computes it from
/// (`ck_mse_power_parts_make`): made for exponents that are multiples of 1/32 (the default norm
/// 2.4 is 2.40625 in bf16) and checked against the table down to the smallest exponent they cover;
/// refused otherwise, when the kernel keeps to the table. `MSEKernelTests` checks the kernel's
/// errors with them bit for bit against the observers' definition.
@Suite struct MSEPowerPartsTests {
    @Test(arguments: [2.4, 2.0, 3.0, 1.5, 2.5, 1.25])
    func partsCoverAllButTheSmallestMagnitudes(norm: Double) throws {
        let power = ErrorPower<BF16Storage>(norm: norm)
        let parts = try #require(power.parts, "norm \(norm)")
        // Left to the table: magnitudes whose power is below the smallest normal float (2^-126),
        // where rounding the parts' product and then scaling it differs from rounding the power.
        let p = Double(BF16Storage.rounded(Float(norm)))
        let normalFrom = Int((127 - 126 / p).rounded(.up)) + 1
        #expect(parts.pointee.smallest_exponent >= 1 && parts.pointee.smallest_exponent <= normalFrom,
                "norm \(norm): from exponent \(parts.pointee.smallest_exponent), normal powers from \(normalFrom)")
    }

    @Test(arguments: [2.015625, 4.0, 0.0])
    func otherExponentsKeepToTheTable(norm: Double) {
        #expect(ErrorPower<BF16Storage>(norm: norm).parts == nil, "norm \(norm)")
    }

    @Test func f16HasNoParts() {
        #expect(ErrorPower<F16Storage>(norm: 2.4).parts == nil)
    }
}
