import Checkpoint
@testable import Modifiers
import Testing
import TestSupport

/// NVFP4 with an MSE observer searches a fused member once: the ranges searched for the fused
/// group's global scale (`searchedGroupMaxima`) come back in the quantization context and are the
/// ones the weight is quantized with.
@Suite struct NVFP4SearchedRangesTests {
    static let rows = 8, columns = 64
    static let weight = TensorInfo(name: "model.layers.0.mlp.gate_proj.weight", dtype: .bf16, shape: [rows, columns],
                                   dataRange: 0..<(rows * columns * 2))

    static func bytes() -> [UInt16] {
        var random = SeededRandom(seed: 0xD1B5_4A32_D192_ED03)
        return (0..<rows * columns).map { _ in BF16.bits(Float.random(in: -0.1...0.1, using: &random)) }
    }

    static func quantize(_ quantizer: NVFP4Quantizer, _ values: [UInt16], _ context: QuantizationContext) throws -> [[UInt8]] {
        var outputs: [[UInt8]] = []
        try values.withUnsafeBytes { bytes in
            try quantizer.quantize(weight: weight, data: bytes, threads: 2, context: context) { outputs.append(Array($0)) }
        }
        return outputs
    }

    @Test func theQuantizerTakesTheRangesSearchedForTheGlobalScale() throws {
        let quantizer = NVFP4Quantizer(observer: .mse(.standard)), values = Self.bytes()
        let searched = try #require(try values.withUnsafeBytes { bytes in
            try quantizer.searchedGroupMaxima(weight: Self.weight, data: bytes, threads: 2, context: .none)
        })
        #expect(searched.count == Self.rows * Self.columns / 16)
        var context = QuantizationContext(groupAbsmax: searched.max())
        let searchedAgain = try Self.quantize(quantizer, values, context)
        context.searchedGroupMaxima = searched
        #expect(try Self.quantize(quantizer, values, context) == searchedAgain)
        // Ranges handed over are used as they are, not searched again.
        context.searchedGroupMaxima = searched.map { $0 / 2 }
        #expect(try Self.quantize(quantizer, values, context)[1] != searchedAgain[1])
    }
}
