import Checkpoint
import Foundation
import Modifiers
import Recipes
@testable import Runtime
import Testing
import TestSupport

/// DeepSeek-V3 (latent attention, with and without the query bottleneck) and GLM-4-MoE compressed
/// by `oneshot` run in the runtime with every quantized projection kept compressed, the latent
/// attention's and the experts' included, and stay close to the bf16 model.
@Suite struct CompressedMixtureFamilyTests {
    static let prompt = [1, 17, 300, 42, 250, 7, 7, 256, 99, 128, 3, 450, 2, 64, 200, 310]
    /// Largest RMS(logits − bf16 logits) / RMS(bf16 logits) per scheme.
    static let bounds: [String: Float] = ["FP8_DYNAMIC": 0.1, "NVFP4A16": 0.3]

    @Test(arguments: ["deepseek_v3", "deepseek_v3_q_proj", "glm4_moe"], ["FP8_DYNAMIC", "NVFP4A16"])
    func runsCompressedCloseToBF16(model name: String, scheme: String) throws {
        let folder = TemporaryFolder("compressed-\(name)")
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  targets: [Linear]\n  scheme: \(scheme)\n  ignore: [lm_head]\n", file: "r.yaml")
        try Compressor.run(model: Fixtures.path("models/\(name)"), recipe: recipe, output: folder.file("out"))
        let model = try DecoderModel(directory: folder.file("out"))
        for layer in model.layers {
            var linears = [(layer.output as? LatentAttentionOutput)?.projection ?? layer.output]
            if let latent = layer.queryKeyValue as? LatentAttentionProjections {
                linears += [latent.keyValueDown, latent.keyValueUp]
                switch latent.query {
                case let .full(projection): linears.append(projection)
                case let .lowRank(down, _, up): linears += [down, up]
                }
            } else {
                linears.append(layer.queryKeyValue)
            }
            if case let .mixture(mixture) = layer.feedForward {
                linears += mixture.experts.flatMap { [$0.gateUp, $0.down] } + [mixture.shared?.expert.gateUp, mixture.shared?.expert.down].compactMap { $0 }
                #expect(mixture.router is DenseLinear)
            }
            for linear in linears { #expect(!(linear is DenseLinear)) }
        }
        let dense = try DecoderModel(directory: Fixtures.path("models/\(name)"))
        let logits = try model.forward(Self.prompt, cache: model.makeCache())
        let reference = try dense.forward(Self.prompt, cache: dense.makeCache())
        let error = Self.rms(zip(logits.values, reference.values).map { $0 - $1 }), size = Self.rms(reference.values)
        #expect(error / size < Self.bounds[scheme]!, "\(name) \(scheme): RMS logit error \(error), RMS logit \(size)")
    }

    static func rms(_ values: [Float]) -> Float { (values.map { $0 * $0 }.reduce(0, +) / Float(values.count)).squareRoot() }
}
