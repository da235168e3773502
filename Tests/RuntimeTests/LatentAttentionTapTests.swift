import Architectures
import Checkpoint
import Foundation
import Runtime
import Testing
import TestSupport

/// What a calibration tap sees inside DeepSeek-V3's latent attention: the inputs of each of its
/// projections, unpadded, and the compressed latent its KV cache holds.
@Suite struct LatentAttentionTapTests {
    /// Records the first sample's rows at each site, with their widths.
    final class Recorder: LayerTap {
        var seen: [LayerSite: (values: [Float], width: Int)] = [:]
        func observe(_ site: LayerSite, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
            guard seen[site] == nil else { return }
            var copy: [Float] = []
            for r in 0..<rows { copy += UnsafeBufferPointer(start: values + r * stride, count: width) }
            seen[site] = (copy, width)
        }
    }

    static let tokens = Array(stride(from: 7, to: 247, by: 10))

    /// Runs block 0 of `fixture` with `tap`, returning the model and the block's output.
    static func runFirstBlock(_ fixture: String, tap: (any LayerTap)?) throws -> (LayerwiseModel, [Float]) {
        let model = try LayerwiseModel(checkpoint: Checkpoint(directory: Fixtures.path("models/\(fixture)")), threads: 1)
        var hidden = try model.embed(samples: [tokens])
        model.run(try model.block(0), samples: &hidden, batch: 0..<1, tap: tap)
        return (model, hidden[0])
    }

    /// `rows × outputs` product of `input` (`rows × inputs`) with a `outputs × inputs` weight.
    static func product(_ input: [Float], _ weight: [Float], outputs: Int, inputs: Int) -> [Float] {
        let rows = input.count / inputs
        return (0..<rows * outputs).map { i in
            let r = i / outputs, o = i % outputs
            return (0..<inputs).reduce(Float(0)) { $0 + input[r * inputs + $1] * weight[o * inputs + $1] }
        }
    }

    /// Each row of `values` (`width` wide) RMS-normalized and scaled by `weight`.
    static func rmsNorm(_ values: [Float], weight: [Float], epsilon: Float) -> [Float] {
        let width = weight.count
        return stride(from: 0, to: values.count, by: width).flatMap { start -> [Float] in
            let row = values[start..<(start + width)]
            let scale = 1 / ((row.reduce(0) { $0 + $1 * $1 } / Float(width)) + epsilon).squareRoot()
            return row.enumerated().map { $1 * scale * weight[$0] }
        }
    }

    @Test func theTapSeesWhatEachLatentProjectionReads() throws {
        let recorder = Recorder()
        let (model, tapped) = try Self.runFirstBlock("deepseek_v3", tap: recorder)
        let (_, plain) = try Self.runFirstBlock("deepseek_v3", tap: nil)
        #expect(tapped == plain)
        let latent = try #require(model.spec.latentAttention)
        let hidden = model.spec.hiddenSize, rank = latent.keyValueRank, heads = model.spec.headCount
        let widths = recorder.seen.mapValues(\.width)
        #expect(widths[.attentionInput] == hidden)
        #expect(widths[.latentQuery] == latent.queryRank)
        #expect(widths[.latentKeyValue] == rank)
        #expect(widths[.keys] == rank)
        #expect(widths[.values] == latent.rotatedHeadDim)
        #expect(widths[.attentionOutput] == heads * latent.valueHeadDim)

        // kv_b_proj reads kv_a_layernorm over kv_a_proj_with_mqa's first kv_lora_rank outputs; so does the cache.
        let attention = "model.layers.0.self_attn."
        let input = try #require(recorder.seen[.attentionInput]).values
        let down = try model.floats(attention + "kv_a_proj_with_mqa.weight").values
        let compressed = Self.product(input, down, outputs: rank + latent.rotatedHeadDim, inputs: hidden)
        let firstRank = stride(from: 0, to: compressed.count, by: rank + latent.rotatedHeadDim).flatMap { compressed[$0..<($0 + rank)] }
        let expected = Self.rmsNorm(firstRank, weight: try model.floats(attention + "kv_a_layernorm.weight").values, epsilon: model.spec.normEpsilon)
        let seen = try #require(recorder.seen[.latentKeyValue]).values
        #expect(seen.count == expected.count)
        for (a, b) in zip(seen, expected) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b))) }
        #expect(recorder.seen[.keys]!.values == seen)
    }

    @Test func aFullRankQueryReadsTheAttentionInput() throws {
        let recorder = Recorder()
        _ = try Self.runFirstBlock("deepseek_v3_q_proj", tap: recorder)
        #expect(recorder.seen[.latentQuery] == nil)
        #expect(recorder.seen[.latentKeyValue] != nil)
        let deepseek = Architecture.deepseekV3
        #expect(deepseek.site(ofLinear: "model.layers.0.self_attn.q_proj") == .attentionInput)
        #expect(deepseek.site(ofLinear: "model.layers.0.self_attn.q_a_proj") == .attentionInput)
        #expect(deepseek.site(ofLinear: "model.layers.0.self_attn.kv_a_proj_with_mqa") == .attentionInput)
        #expect(deepseek.site(ofLinear: "model.layers.0.self_attn.q_b_proj") == .latentQuery)
        #expect(deepseek.site(ofLinear: "model.layers.0.self_attn.kv_b_proj") == .latentKeyValue)
        #expect(deepseek.site(ofLinear: "model.layers.0.self_attn.o_proj") == .attentionOutput)
    }
}
