import Architectures
import Checkpoint
import Foundation
import Runtime
import Testing
import TestSupport

/// What a calibration tap sees inside a mixture of experts, in both of llm-compressor's
/// `moe_calibrate_all_experts` modes, and that the block's output stays the routed one.
@Suite struct MixtureCalibrationTapTests {
    /// Records the rows seen at each site.
    final class RowCounter: LayerTap {
        let calibratesEveryExpert: Bool
        var rows: [LayerSite: Int] = [:]
        init(everyExpert: Bool) { calibratesEveryExpert = everyExpert }
        func observe(_ site: LayerSite, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
            self.rows[site, default: 0] += rows
        }
    }

    static func runFirstBlock(_ fixture: String, tap: (any LayerTap)?) throws -> [Float] {
        let model = try LayerwiseModel(checkpoint: Checkpoint(directory: Fixtures.path("models/\(fixture)")), threads: 1)
        let tokens = Array(stride(from: 7, to: 247, by: 10))
        var hidden = try model.embed(samples: [tokens])
        let block = try model.block(0)
        model.run(block, samples: &hidden, batch: 0..<1, tap: tap)
        return hidden[0]
    }

    @Test(arguments: ["mixtral", "qwen2_moe", "qwen3_moe"])
    func everyExpertSeesEveryTokenWhileTheOutputStaysRouted(fixture: String) throws {
        let plain = try Self.runFirstBlock(fixture, tap: nil)
        let every = RowCounter(everyExpert: true)
        let routed = RowCounter(everyExpert: false)
        let withEvery = try Self.runFirstBlock(fixture, tap: every)
        let withRouted = try Self.runFirstBlock(fixture, tap: routed)
        for (a, b) in zip(plain, withEvery) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a))) }
        #expect(plain == withRouted)

        let spec = try LayerwiseModel(checkpoint: Checkpoint(directory: Fixtures.path("models/\(fixture)")), threads: 1).spec
        let mixture = try #require(spec.mixture)
        let tokens = every.rows[.feedForwardInput]!
        for e in 0..<mixture.expertCount {
            #expect(every.rows[.expertInner(e)] == tokens)
            #expect(every.rows[.expertInput(e)] == nil)
            #expect(routed.rows[.expertInner(e)] == routed.rows[.expertInput(e)])
        }
        let routedTotal = (0..<mixture.expertCount).reduce(0) { $0 + routed.rows[.expertInput($1)]! }
        #expect(routedTotal == tokens * mixture.expertsPerToken)
        #expect((every.rows[.sharedExpertInner] != nil) == (mixture.sharedExpertIntermediateSize != nil))
    }

    @Test func expertProjectionsReadTheirExpertsSites() {
        let mixtral = Architecture.mixtral
        let experts = "model.layers.1.block_sparse_moe.experts.3"
        #expect(mixtral.site(ofLinear: "\(experts).w1") == .feedForwardInput)
        #expect(mixtral.site(ofLinear: "\(experts).w3", everyExpert: false) == .expertInput(3))
        #expect(mixtral.site(ofLinear: "\(experts).w2") == .expertInner(3))
        #expect(mixtral.site(ofLinear: "\(experts).w2", everyExpert: false) == .expertInner(3))
        #expect(mixtral.site(ofLinear: "model.layers.1.block_sparse_moe.gate") == nil)
        #expect(mixtral.site(ofLinear: "model.layers.1.self_attn.q_proj") == .attentionInput)

        let qwen = Architecture.qwen2MoE
        #expect(qwen.site(ofLinear: "model.layers.0.mlp.experts.12.down_proj") == .expertInner(12))
        #expect(qwen.site(ofLinear: "model.layers.0.mlp.experts.12.gate_proj", everyExpert: false) == .expertInput(12))
        #expect(qwen.site(ofLinear: "model.layers.0.mlp.shared_expert.up_proj", everyExpert: false) == .feedForwardInput)
        #expect(qwen.site(ofLinear: "model.layers.0.mlp.shared_expert.down_proj") == .sharedExpertInner)
        #expect(qwen.site(ofLinear: "model.layers.0.mlp.shared_expert_gate") == .feedForwardInput)
        #expect(qwen.site(ofLinear: "model.layers.0.mlp.gate") == nil)
        // A dense layer of the same family keeps the dense sites.
        #expect(qwen.site(ofLinear: "model.layers.0.mlp.down_proj") == .feedForwardInner)
    }
}
