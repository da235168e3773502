import Foundation
import Modifiers
import Runtime
import Testing
import TestSupport

/// An FP8 block checkpoint (`quant_method: fp8`, 128×128 `weight_scale_inv`) runs in the runtime
/// (what `compress eval` and `generate` load) as its dequantized BF16 model.
@Suite struct FP8BlockModelTests {
    @Test(arguments: ["llama_fp8block", "llama_fp8block_edge"])
    func runsAsItsDequantizedModel(fixture: String) throws {
        let folder = TemporaryFolder("fp8-block-model")
        let fp8 = Fixtures.path("models/\(fixture)")
        _ = try Dequantization.run(model: fp8, output: folder.file("bf16"), threads: 2)
        let prompt = [1, 17, 200, 42, 250, 7, 7, 128, 99, 3]
        let model = try DecoderModel(directory: fp8, threads: 1)
        let dequantized = try DecoderModel(directory: folder.file("bf16"), threads: 1)
        let logits = try model.forward(prompt, cache: model.makeCache())
        let expected = try dequantized.forward(prompt, cache: dequantized.makeCache())
        #expect(logits.values == expected.values)
    }
}
