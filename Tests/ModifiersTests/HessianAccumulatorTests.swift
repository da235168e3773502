import Checkpoint
import Foundation
@testable import Modifiers
import Testing

/// The GPTQ Hessian `Σ 2·XᵀX / samples` against its definition in f64, for a layer wider than
/// the accumulator's product chunk and several calls.
@Suite struct HessianAccumulatorTests {
    @Test func wideHessianMatchesItsDefinition() {
        let columns = 700, calls = [(rows: 9, samples: 1), (rows: 20, samples: 2)]
        var accumulator = HessianAccumulator(columns: columns)
        var expected = [Double](repeating: 0, count: columns * columns)
        var seed = 1
        for call in calls {
            let x = (0..<(call.rows * columns)).map { _ -> Float in
                seed = (seed &* 1_103_515_245 &+ 12345) & 0x7FFF_FFFF
                return Float(seed % 2001 - 1000) / 500
            }
            x.withUnsafeBufferPointer { accumulator.add(rows: $0.baseAddress!, count: call.rows, samples: call.samples) }
            for r in 0..<call.rows {
                for i in 0..<columns {
                    let a = Double(x[r * columns + i])
                    for j in 0..<columns { expected[i * columns + j] += 2 * a * Double(x[r * columns + j]) }
                }
            }
        }
        let samples = Double(calls.reduce(0) { $0 + $1.samples })
        let hessian = accumulator.hessian()
        let peak = expected.reduce(0) { max($0, abs($1)) } / samples
        var worst = 0.0
        for (value, sum) in zip(hessian, expected) { worst = max(worst, abs(Double(value) - sum / samples)) }
        #expect(worst / peak < 1e-5, "relative error \(worst / peak)")
    }

    /// A bf16 layer calibrated in its dtype: the Hessian of its inputs rounded to bf16 (products
    /// summed in f32 as `ck_matmul_bf16_inputs` sums them), not of the inputs as they came.
    @Test func bf16InputsAreRoundedFirst() {
        let columns = 600, rows = 37
        var seed = 7
        let x = (0..<(rows * columns)).map { _ -> Float in
            seed = (seed &* 1_103_515_245 &+ 12345) & 0x7FFF_FFFF
            return Float(seed % 200_001 - 100_000) / 30_000
        }
        let rounded = x.map { BF16.float(BF16.bits($0)) }
        func hessian(_ values: [Float], roundsInputsToBF16: Bool) -> [Float] {
            var accumulator = HessianAccumulator(columns: columns, roundsInputsToBF16: roundsInputsToBF16)
            values.withUnsafeBufferPointer { accumulator.add(rows: $0.baseAddress!, count: rows) }
            return accumulator.hessian()
        }
        let bf16 = hessian(x, roundsInputsToBF16: true), ofRounded = hessian(rounded, roundsInputsToBF16: false)
        let unrounded = hessian(x, roundsInputsToBF16: false)
        let peak = ofRounded.reduce(0) { max($0, abs($1)) }
        let fromRounded = zip(bf16, ofRounded).map { abs($0 - $1) }.max()! / peak
        let fromUnrounded = zip(bf16, unrounded).map { abs($0 - $1) }.max()! / peak
        #expect(fromRounded < 1e-6, "relative difference \(fromRounded) from the Hessian of the rounded inputs")
        #expect(fromUnrounded > 1e-4, "relative difference \(fromUnrounded) from the Hessian of the inputs as they came")
        // Symmetric, as the f32 path's is.
        #expect((0..<columns).allSatisfy { i in (0..<i).allSatisfy { j in bf16[i * columns + j] == bf16[j * columns + i] } })
    }
}
