import Foundation
@testable import Modifiers
import Runtime
import Testing

/// The factors a block's GPTQ layers share, made on a thread beside the solves.
@Suite struct FactorPipelineTests {
    static let columns = 24

    /// A positive definite Hessian: `AᵀA` plus a diagonal, with `A` deterministic and `seed` varying it.
    static func hessian(seed: Double) -> [Float] {
        let n = columns
        let a = (0..<n * n).map { Float(sin(Double($0) * 0.731 + seed)) }
        return (0..<n * n).map { i in
            let (r, c) = (i / n, i % n)
            var sum: Float = r == c ? Float(r + 1) : 0
            for k in 0..<n { sum += a[k * n + r] * a[k * n + c] }
            return sum
        }
    }

    static func key(_ site: LayerSite, _ ordering: GPTQActivationOrdering) -> FactorPipeline.Key {
        FactorPipeline.Key(site: site, ordering: ordering)
    }

    @Test func factorsEqualOnesMadeAloneInAnyOrderOfRequests() throws {
        let hessians: [LayerSite: [Float]] = [.attentionInput: Self.hessian(seed: 0.1), .feedForwardInner: Self.hessian(seed: 2.3)]
        let keys = [Self.key(.attentionInput, .none), Self.key(.attentionInput, .weight), Self.key(.feedForwardInner, .weight)]
        let pipeline = FactorPipeline(jobs: keys.map { FactorPipeline.Job(key: $0, columns: Self.columns, tensor: "t") },
                                      hessians: hessians, dampeningFrac: 0.01)
        defer { pipeline.finish() }
        for key in keys.reversed() {
            let made = try pipeline.factored(key)
            let alone = try FactoredHessian(hessian: hessians[key.site]!, columns: Self.columns, ordering: key.ordering,
                                            dampeningFrac: 0.01, tensor: "t")
            #expect(made.order == alone.order)
            #expect(made.factor.upper == alone.factor.upper)
        }
        #expect(try pipeline.factored(keys[1]).order != Array(0..<Self.columns), "activation ordering permutes these columns")
    }

    @Test func theLargestFactorIsMadeAloneAndTheOthersInOrder() {
        let sites: [(LayerSite, Int)] = [(.attentionInput, 2048), (.attentionOutput, 2048), (.feedForwardInput, 2048), (.feedForwardInner, 5632)]
        let jobs = sites.map { FactorPipeline.Job(key: Self.key($0.0, .none), columns: $0.1, tensor: "t") }
        #expect(FactorPipeline.lanes(jobs).map { $0.map(\.key.site) } == [[.feedForwardInner], [.attentionInput, .attentionOutput, .feedForwardInput]])
        let attentionOnly = Array(jobs.prefix(2))
        #expect(FactorPipeline.lanes(attentionOnly).map { $0.map(\.key.site) } == [[.attentionOutput], [.attentionInput]], "on a tie, the last alone")
        #expect(FactorPipeline.lanes(Array(jobs.prefix(1))).map(\.count) == [1])
    }

    @Test func aFailedFactorIsRethrownForItsKeyAlone() throws {
        var broken = Self.hessian(seed: 0.4)
        broken[5] = .nan
        let hessians: [LayerSite: [Float]] = [.attentionOutput: broken, .feedForwardInput: Self.hessian(seed: 1.7)]
        let jobs = [FactorPipeline.Job(key: Self.key(.attentionOutput, .none), columns: Self.columns, tensor: "model.layers.0.self_attn.o_proj.weight"),
                    FactorPipeline.Job(key: Self.key(.feedForwardInput, .none), columns: Self.columns, tensor: "model.layers.0.mlp.gate_proj.weight")]
        let pipeline = FactorPipeline(jobs: jobs, hessians: hessians, dampeningFrac: 0.01)
        defer { pipeline.finish() }
        #expect(throws: ModifierError.self) { try pipeline.factored(jobs[0].key) }
        do {
            _ = try pipeline.factored(jobs[0].key)
        } catch {
            #expect("\(error)".contains("o_proj") && "\(error)".contains("NaN"))
        }
        #expect(try pipeline.factored(jobs[1].key).factor.usedFallback == false)
    }
}
