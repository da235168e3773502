import Foundation
import Runtime
import Testing
import TestSupport

@Suite struct ScoringTests {
    @Test func logSoftmaxOfAKnownDistribution() {
        let probabilities: [Double] = [0.5, 0.25, 0.125, 0.125]
        let logits = probabilities.map { Float(Foundation.log($0)) + 3 }
        let result = LogSoftmax.logProbabilities(logits)
        for (p, lp) in zip(probabilities, result) { #expect(abs(lp - Foundation.log(p)) < 1e-6) }
    }

    @Test func logSumExpSurvivesLargeLogits() {
        let logits: [Float] = [1000, 1000, -1000]
        let value = logits.withUnsafeBufferPointer(LogSoftmax.logSumExp)
        #expect(abs(value - (1000 + Foundation.log(2.0))) < 1e-9)
    }

    @Test func uniformPredictionsHaveVocabularyPerplexity() {
        // Every token predicted with probability 1/V: NLL = log V, perplexity = V.
        let vocabulary = 49_152
        let row = [Float](repeating: 0.25, count: vocabulary)
        let nll = row.withUnsafeBufferPointer { -LogSoftmax.logProbability(of: 17, in: $0) }
        let ppl = Perplexity.perplexity(negativeLogLikelihoods: Array(repeating: nll, count: 511))
        #expect(abs(ppl - Double(vocabulary)) / Double(vocabulary) < 1e-9)
    }

    @Test func perplexityOfAToyDistribution() {
        // Two tokens with NLL log 2 and log 8: mean log 4, perplexity 4.
        let ppl = Perplexity.perplexity(negativeLogLikelihoods: [Foundation.log(2.0), Foundation.log(8.0)])
        #expect(abs(ppl - 4) < 1e-12)
    }

    @Test func windowsAreScoredAloneAndWhole() throws {
        let model = try DecoderModel(directory: Fixtures.path("tiny-llama"))
        let tokens = (0..<70).map { ($0 * 37 + 11) % 512 }
        let report = try Perplexity.evaluate(model: model, tokens: tokens, context: 32)
        #expect(report.windows == 2)
        #expect(report.scoredTokens == 62)
        let first = try Perplexity.negativeLogLikelihoods(model: model, tokens: Array(tokens[0..<32]))
        let second = try Perplexity.negativeLogLikelihoods(model: model, tokens: Array(tokens[32..<64]))
        let expected = Perplexity.perplexity(negativeLogLikelihoods: first + second)
        #expect(abs(report.perplexity - expected) <= 1e-7 * expected)
        #expect(throws: RuntimeError.self) { try Perplexity.evaluate(model: model, tokens: Array(tokens[0..<10]), context: 32) }
    }
}

extension ScoringTests {
    /// The workspace a forward pass keeps for the next one leaves no trace in that one's results.
    @Test func aKeptWorkspaceGivesTheLogitsOfAFreshModel() throws {
        let used = try DecoderModel(directory: Fixtures.path("tiny-llama"))
        let fresh = try DecoderModel(directory: Fixtures.path("tiny-llama"))
        let long = (0..<40).map { ($0 * 29 + 5) % 512 }, short = (0..<24).map { ($0 * 37 + 11) % 512 }
        _ = try used.forward(long, cache: used.makeCache())
        let again = try used.forward(short, cache: used.makeCache())
        #expect(again == (try fresh.forward(short, cache: fresh.makeCache())))
    }

    /// Scoring window after window in one buffer gives each window's likelihoods as scored alone
    /// (to rounding: windows scored together may take another product kernel, see below).
    @Test func scoringReusesNothingBetweenWindows() throws {
        let model = try DecoderModel(directory: Fixtures.path("tiny-llama"))
        let tokens = (0..<96).map { ($0 * 53 + 7) % 512 }
        let report = try Perplexity.evaluate(model: model, tokens: tokens, context: 48)
        let alone = try [0..<48, 48..<96].flatMap { try Perplexity.negativeLogLikelihoods(model: model, tokens: Array(tokens[$0])) }
        let expected = alone.reduce(0, +) / Double(alone.count)
        #expect(abs(report.meanNegativeLogLikelihood - expected) <= 1e-7 * expected)
    }
}

extension ScoringTests {
    /// The CPU model runs a batch of windows through each block together: the likelihoods of
    /// window after window (the protocol's default), in both scoring protocols, with progress
    /// reported window by window; windows of unequal length, or a first position outside them,
    /// are refused. Not to the bit: a product over fewer than 64 rows (one of these short windows)
    /// takes the kernel without packed panels, which sums in another order.
    @Test func windowsScoredTogetherGiveTheLikelihoodsOfWindowsScoredAlone() throws {
        let model = try DecoderModel(directory: Fixtures.path("tiny-llama"))
        let tokens = (0..<250).map { ($0 * 41 + 13) % 512 }
        #expect(model.windowsPerBatch(context: 48) > 1)
        for scored in [ScoredTokens.allButFirst, .secondHalf] {
            var reported: [Int] = []
            let together = try Perplexity.evaluate(model: model, tokens: tokens, context: 48, scored: scored) { done, _ in reported.append(done) }
            let alone = try Perplexity.evaluate(model: WholeRowsScorer(model: model), tokens: tokens, context: 48, scored: scored)
            let difference = abs(together.meanNegativeLogLikelihood - alone.meanNegativeLogLikelihood)
            #expect(difference <= 1e-7 * alone.meanNegativeLogLikelihood, "\(scored): \(difference)")
            #expect(together.scoredTokens == alone.scoredTokens && reported == [1, 2, 3, 4, 5])
        }
        let states = [model.makeCache(), model.makeCache()], logits = UnsafeMutablePointer<Float>.allocate(capacity: 48 * 512)
        defer { logits.deallocate() }
        #expect(throws: RuntimeError.self) {
            try model.logits(batch: [Array(tokens[0..<48]), Array(tokens[0..<40])], states: states, from: 1, into: logits) { _ in }
        }
        for first in [-1, 48] {
            #expect(throws: RuntimeError.self, "from \(first)") {
                try model.logits(batch: [Array(tokens[0..<48]), Array(tokens[48..<96])], states: states, from: first, into: logits) { _ in }
            }
        }
    }

    /// llama.cpp's protocol counts the tokens from position context/2 + 1 on: the likelihoods of
    /// every-token scoring for those tokens, from logits the head computed for those rows only.
    @Test func theSecondHalfCountsTheTokensAfterTheFirstHalf() throws {
        let model = try DecoderModel(directory: Fixtures.path("tiny-llama"))
        let tokens = (0..<100).map { ($0 * 41 + 3) % 512 }
        let report = try Perplexity.evaluate(model: model, tokens: tokens, context: 48, scored: .secondHalf)
        #expect(report.windows == 2 && report.scored == .secondHalf)
        #expect(report.scoredTokens == 2 * 23)
        let counted = try [0..<48, 48..<96].flatMap { try Perplexity.negativeLogLikelihoods(model: model, tokens: Array(tokens[$0])).suffix(23) }
        let expected = counted.reduce(0, +) / Double(counted.count)
        #expect(abs(report.meanNegativeLogLikelihood - expected) <= 1e-6 * expected, "\(report.meanNegativeLogLikelihood) vs \(expected)")
        #expect(throws: RuntimeError.self) { try Perplexity.evaluate(model: model, tokens: tokens, context: 2, scored: .secondHalf) }
    }

    /// The rows from a position on are those rows of every position's logits; the default of
    /// `ScoringModel` (compute all, drop the first) gives the same as the CPU's own head.
    @Test func logitsFromAPositionAreTheLaterRowsOfAllLogits() throws {
        let model = try DecoderModel(directory: Fixtures.path("tiny-llama"))
        let tokens = (0..<20).map { ($0 * 31 + 9) % 512 }, width = model.vocabularySize
        let all = try model.forward(tokens, cache: model.makeCache())
        for first in [0, 7, 19] {
            let later = try model.forward(tokens, cache: model.makeCache(), logits: .from(first))
            #expect(later.rows == tokens.count - first)
            let expected = Array(all.values[(first * width)...])
            let worst = zip(later.values, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5, "from \(first): \(worst)")
            let viaDefault = [Float](unsafeUninitializedCapacity: later.values.count) { buffer, initialized in
                try? WholeRowsScorer(model: model).logits(tokens, state: model.makeCache(capacity: tokens.count), from: first, into: buffer.baseAddress!)
                initialized = later.values.count
            }
            #expect(viaDefault == expected, "from \(first): the default implementation")
        }
    }
}

/// A scoring model that only has every row's logits, so that `ScoringModel`'s default drops rows.
private struct WholeRowsScorer: ScoringModel {
    let model: DecoderModel
    var vocabularySize: Int { model.vocabularySize }
    func makeWindowState(capacity: Int) -> KVCache { model.makeCache(capacity: capacity) }
    func logits(_ tokens: [Int], state: KVCache, into logits: UnsafeMutablePointer<Float>) throws(RuntimeError) {
        try model.logits(tokens, state: state, into: logits)
    }
}
