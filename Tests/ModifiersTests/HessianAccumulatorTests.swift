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
}
