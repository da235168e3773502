import Foundation

/// The result of a perplexity evaluation.
public struct PerplexityReport: Sendable, Codable, Equatable {
    /// Windows scored.
    public var windows: Int
    /// Tokens per window.
    public var context: Int
    /// Tokens whose negative log-likelihood was counted (every token of a window but its first).
    public var scoredTokens: Int
    /// The mean negative log-likelihood over the scored tokens, in nats.
    public var meanNegativeLogLikelihood: Double
    /// `exp(meanNegativeLogLikelihood)`.
    public var perplexity: Double
    /// Wall-clock seconds spent in the forward passes and the scoring.
    public var seconds: Double
    /// Tokens run through the model per second (`windows × context / seconds`).
    public var tokensPerSecond: Double
}

/// Perplexity over consecutive, non-overlapping windows, each scored alone from an empty cache:
/// the protocol of the reference numbers (`ppl = exp(mean NLL of tokens 2…n of every window)`).
public enum Perplexity {
    /// The negative log-likelihood of each token of `tokens` after the first, given the tokens
    /// before it in the same window, from one batched forward pass.
    public static func negativeLogLikelihoods(model: some ScoringModel, tokens: [Int]) throws(RuntimeError) -> [Double] {
        guard tokens.count >= 2 else { throw .invalidArgument("a window needs at least 2 tokens to score, got \(tokens.count)") }
        let logits = try model.logits(tokens)
        let width = logits.columns
        return logits.values.withUnsafeBufferPointer { all in
            (1..<tokens.count).map { i in
                let row = UnsafeBufferPointer(rebasing: all[(i - 1) * width..<i * width])
                return -LogSoftmax.logProbability(of: tokens[i], in: row)
            }
        }
    }

    /// `exp` of the mean of `negativeLogLikelihoods`.
    public static func perplexity(negativeLogLikelihoods: [Double]) -> Double {
        Foundation.exp(negativeLogLikelihoods.reduce(0, +) / Double(negativeLogLikelihoods.count))
    }

    /// Scores the first `windows` (default: every whole) window of `context` tokens of `tokens`.
    ///
    /// - Parameter progress: called after each window with (windows done, windows in all).
    /// - Throws: ``RuntimeError/invalidArgument(_:)`` when `tokens` holds no whole window.
    public static func evaluate(
        model: some ScoringModel, tokens: [Int], context: Int = 512, windows: Int? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws(RuntimeError) -> PerplexityReport {
        guard context >= 2 else { throw .invalidArgument("context must be at least 2 tokens, got \(context)") }
        let available = tokens.count / context
        let count = Swift.min(windows ?? available, available)
        guard count > 0 else {
            throw .invalidArgument("\(tokens.count) tokens do not fill one window of \(context)")
        }
        var all: [Double] = []
        all.reserveCapacity(count * (context - 1))
        let start = Date()
        for w in 0..<count {
            all += try negativeLogLikelihoods(model: model, tokens: Array(tokens[w * context..<(w + 1) * context]))
            progress?(w + 1, count)
        }
        let seconds = Date().timeIntervalSince(start)
        let mean = all.reduce(0, +) / Double(all.count)
        return PerplexityReport(
            windows: count, context: context, scoredTokens: all.count, meanNegativeLogLikelihood: mean,
            perplexity: Foundation.exp(mean), seconds: seconds, tokensPerSecond: Double(count * context) / seconds)
    }
}
