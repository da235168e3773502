import Testing
@testable import Modifiers

@Suite struct SampleColumnSumsTests {
    /// Samples whose float32 sums depend on the order they are added in (small values beside
    /// cancelling large ones).
    static let samples: [[Float]] = [1e8, 3, -1e8, 3, 1e8, 5, -1e8].map { (value: Float) -> [Float] in
        (0..<5).map { (c: Int) -> Float in value + Float(c) }
    }

    @Test func samplesSplitOverRanksAddUpAsInOneProcess() throws {
        var whole = SampleColumnSums(keepsSamples: false)
        for (s, sample) in Self.samples.enumerated() { whole.add(sample, tokens: s + 1) }
        var parts: [StatisticsReader] = []
        var ranks: [SampleColumnSums] = []
        for range in [0..<3, 3..<4, 4..<7] {
            var rank = SampleColumnSums(keepsSamples: true)
            for s in range { rank.add(Self.samples[s], tokens: s + 1) }
            var payload = StatisticsPayload()
            rank.append(to: &payload)
            parts.append(StatisticsReader(payload.bytes))
            ranks.append(rank)
        }
        var reduced = ranks[1]
        try reduced.replace(from: &parts)
        #expect(reduced.tokens == whole.tokens)
        #expect(reduced.sums?.map(\.bitPattern) == whole.sums?.map(\.bitPattern))
        var reversed = SampleColumnSums(keepsSamples: false)
        for (s, sample) in Self.samples.enumerated().reversed() { reversed.add(sample, tokens: s + 1) }
        #expect(reversed.sums?.map(\.bitPattern) != whole.sums?.map(\.bitPattern), "the samples must tell the order apart")
    }

    @Test func aRankWithOtherWidthsIsAnError() throws {
        var parts: [StatisticsReader] = []
        for width in [5, 4] {
            var rank = SampleColumnSums(keepsSamples: true)
            rank.add([Float](repeating: 1, count: width), tokens: 1)
            var payload = StatisticsPayload()
            rank.append(to: &payload)
            parts.append(StatisticsReader(payload.bytes))
        }
        var reduced = SampleColumnSums(keepsSamples: true)
        #expect(throws: ModifierError.self) { try reduced.replace(from: &parts) }
    }
}
