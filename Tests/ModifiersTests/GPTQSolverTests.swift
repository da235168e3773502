import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing

/// GPTQ's fallback, its output through the data-free formats, and the inputs it refuses.
@Suite struct GPTQSolverTests {
    static let rows = 16, columns = 64

    /// Deterministic values spread over about ±0.1, with one outlier per row.
    static let weight: [Float] = (0..<rows * columns).map { i -> Float in
        let value = Float(sin(Double(i) * 1.618 + 0.5) * 0.1)
        return i % 37 == 0 ? 4 * value : value
    }

    static func tensor(_ dtype: DType = .f32, columns: Int = columns) -> TensorInfo {
        TensorInfo(name: "model.layers.0.mlp.down_proj.weight", dtype: dtype, shape: [rows, columns], dataRange: 0..<(rows * columns * 4))
    }

    static func args(bits: Int = 4, symmetric: Bool = true, strategy: QuantizationStrategy = .group, groupSize: Int? = 32,
                     actorder: String? = nil) -> QuantizationArgs {
        QuantizationArgs(numBits: bits, type: .int, symmetric: symmetric, strategy: strategy, groupSize: strategy == .group ? groupSize : nil,
                         observer: "memoryless_minmax", actorder: actorder, zpDtype: "torch.int8")
    }

    /// A negative-definite Hessian with distinct diagonal values, so that activation ordering
    /// permutes the columns.
    static let negativeDefinite: [Float] = (0..<columns * columns).map { i in
        i / columns == i % columns ? -Float((i / columns * 29) % columns + 1) : 0
    }

    static func solve(_ args: QuantizationArgs, hessian: [Float] = negativeDefinite, tensor: TensorInfo = tensor(),
                      into quantizer: (any WeightQuantizer)? = nil) throws -> GPTQResult {
        try weight.withUnsafeBufferPointer { (w) throws(ModifierError) in
            if let quantizer { return try GPTQSolver.quantize(weight: w, tensor: tensor, hessian: hessian, args: args, quantizer: quantizer, threads: 2) }
            return try GPTQSolver.quantize(weight: w, tensor: tensor, hessian: hessian, args: args, threads: 2)
        }
    }

    /// The bytes a quantizer writes for the f32 weight without calibration.
    static func dataFree(_ quantizer: some WeightQuantizer) throws -> [[UInt8]] {
        var outputs: [[UInt8]] = []
        try weight.withUnsafeBytes { bytes in
            try quantizer.quantize(weight: tensor(), data: bytes, threads: 2, context: .none) { outputs.append(Array($0)) }
        }
        return outputs
    }

    /// A Hessian that is not positive definite makes GPTQ round to nearest (the factor is the
    /// identity), whatever the column order. With f32 weights its arithmetic is the data-free
    /// quantizer's, so the int-quantized and pack-quantized outputs are the same bytes.
    @Test(arguments: [
        (args(), false), (args(symmetric: false), true), (args(bits: 8, symmetric: false, strategy: .channel), false),
        (args(bits: 3, symmetric: false, strategy: .tensor), true), (args(bits: 5, symmetric: false, groupSize: 16, actorder: "static"), true),
    ])
    func fallbackIsRoundToNearestInEveryFormat(_ args: QuantizationArgs, packed: Bool) throws {
        let kernel = try IntegerSchemes.kernel(group: "g", weights: args, observer: .minMax)
        // A fresh quantizer each time: each keeps its scratch memory.
        func quantizer() -> any IntegerWeightWriter {
            packed ? PackQuantizer(grid: kernel.grid, granularity: kernel.granularity) : IntQuantizer(grid: kernel.grid, granularity: kernel.granularity)
        }
        let result = try Self.solve(args, into: quantizer())
        #expect(result.usedFallback)
        #expect(try result.outputs == Self.dataFree(quantizer()))
        #expect(result.weight != Self.weight)
    }

    /// The same for float formats, whose f32 quotients round as the data-free quantizer's, up to
    /// the sign of zero: a small negative value is FP4's -0 (nibble 8) in the data-free output,
    /// but GPTQ's result holds -0.0 there, which compressed-tensors encodes as +0.
    @Test(arguments: [0, 1, 2, 3])
    func fallbackIsRoundToNearestInFloatFormats(_ format: Int) throws {
        func quantizer() -> any WeightQuantizer {
            [FP8Quantizer(granularity: .channel), FP8BlockQuantizer(blockRows: 8, blockColumns: 32), NVFP4Quantizer(),
             MXQuantizer(element: .fp4)][format]
        }
        let result = try Self.solve(Self.args(actorder: "static"), into: quantizer())
        #expect(result.usedFallback)
        var expected = try Self.dataFree(quantizer())
        if format >= 2 {
            expected[0] = expected[0].map { byte in (byte & 0xF == 8 ? 0 : byte & 0xF) | (byte >> 4 == 8 ? 0 : byte & 0xF0) }
            #expect(expected[0] != (try Self.dataFree(quantizer()))[0])
        }
        #expect(result.outputs == expected)
    }

    /// With a real Hessian, activation ordering changes the codes but not the scales (they come
    /// from the weight before GPTQ, in the original column order).
    @Test func activationOrderingKeepsTheObserverScales() throws {
        let hessian = (0..<Self.columns * Self.columns).map { i -> Float in
            let r = i / Self.columns, c = i % Self.columns
            return r == c ? Float(1 + (r * 13) % 7) : 0.3 / Float(1 + abs(r - c))
        }
        let plain = try Self.solve(Self.args(), hessian: hessian)
        let ordered = try Self.solve(Self.args(actorder: "weight"), hessian: hessian)
        #expect(!plain.usedFallback && !ordered.usedFallback)
        #expect(plain.scales == ordered.scales)
        #expect(plain.codes != ordered.codes)
    }

    @Test func deadColumnsAreZero() throws {
        var hessian = [Float](repeating: 0, count: Self.columns * Self.columns)
        for i in 0..<Self.columns where i != 9 { hessian[i * Self.columns + i] = 1 }
        let result = try Self.solve(Self.args(symmetric: false), hessian: hessian)
        #expect((0..<Self.rows).allSatisfy { result.weight[$0 * Self.columns + 9] == 0 })
        #expect((0..<Self.rows).contains { Self.weight[$0 * Self.columns + 9] != 0 })
    }

    @Test func refusesWhatLlmCompressorRefuses() throws {
        func message(_ body: () throws -> GPTQResult) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        let name = "model.layers.0.mlp.down_proj.weight"
        #expect(message { try Self.solve(Self.args(actorder: "group")) }.contains("actorder 'group' has been removed"))
        #expect(message { try Self.solve(Self.args(groupSize: 48)) }.contains("not divisible by group_size 48"))
        var nan = Self.negativeDefinite
        nan[3 * Self.columns + 5] = .nan
        #expect(message { try Self.solve(Self.args(), hessian: nan) } == "tensor '\(name)': GPTQ: the Hessian holds NaN or Inf at row 3, column 5 (calibration activations overflowed)")
        #expect(message { try Self.solve(Self.args(), hessian: [1]) }.contains("the Hessian holds 1 values, not 64² for 64 columns"))
        #expect(message { try Self.solve(Self.args(), tensor: Self.tensor(columns: 32)) }.contains("1024 weight values for shape [16, 32]"))
        #expect(message { try Self.solve(Self.args(), tensor: Self.tensor(.i8)) }.contains("dtype I8 cannot be quantized"))
    }

    /// The result is written as the layout the group's quantizer made it for (two tensors for
    /// symmetric int-quantized weights), no other.
    @Test func refusesALayoutOfOtherTensors() throws {
        let result = try Self.solve(Self.args())
        #expect(result.outputs.count == 2)
        #expect(throws: ModifierError.self) { try result.write(count: 3) { _ in } }
    }
}
