import Foundation
@testable import Runtime
import Testing

/// The router's choice of experts and their weights.
@Suite struct MixtureOfExpertsTests {
    @Test func routePicksTheLargestProbabilitiesAndRenormalizesOnlyWhenAsked() {
        let logits: [Float] = [0, 2, 1, 2]
        let total = 1 + 2 * Float(M_E * M_E) + Float(M_E)
        let raw = MixtureOfExperts.route(logits, count: 4, k: 2, normalize: false)
        // The tie between experts 1 and 3 goes to the lower index first.
        #expect(raw.map(\.expert) == [1, 3])
        #expect(raw.allSatisfy { abs($0.weight - Float(M_E * M_E) / total) < 1e-6 })
        let normalized = MixtureOfExperts.route(logits, count: 4, k: 2, normalize: true)
        #expect(normalized.map(\.expert) == [1, 3])
        #expect(normalized.allSatisfy { abs($0.weight - 0.5) < 1e-6 })
    }
}
