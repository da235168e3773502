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
        return logits.values.withUnsafeBufferPointer { negativeLogLikelihoods(of: tokens, logits: $0.baseAddress!, width: logits.columns) }
    }

    /// `-log p(tokens[i + 1])` under row `i` of `logits` (`tokens.count - 1` rows of `width`), for
    /// every token after the first; the rows shared over the compute threads.
    static func negativeLogLikelihoods(of tokens: [Int], logits: UnsafePointer<Float>, width: Int) -> [Double] {
        let count = tokens.count - 1
        return [Double](unsafeUninitializedCapacity: count) { result, initialized in
            let output = result.baseAddress!
            ComputeThreads.forEachRange(count: count, work: count * width) { rows in
                for i in rows {
                    output[i] = -LogSoftmax.logProbability(of: tokens[i + 1], in: UnsafeBufferPointer(start: logits + i * width, count: width))
                }
            }
            initialized = count
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
        // One window state (the KV cache) and one logits buffer for every window: no fresh memory (and page faults) per window.
        let state = model.makeWindowState(capacity: context)
        let width = model.vocabularySize
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: context * width)
        defer { logits.deallocate() }
        for w in 0..<count {
            let window = Array(tokens[w * context..<(w + 1) * context])
            try model.logits(window, state: state, into: logits)
            all += negativeLogLikelihoods(of: window, logits: logits, width: width)
            progress?(w + 1, count)
        }
        let seconds = Date().timeIntervalSince(start)
        let mean = all.reduce(0, +) / Double(all.count)
        return PerplexityReport(
            windows: count, context: context, scoredTokens: all.count, meanNegativeLogLikelihood: mean,
            perplexity: Foundation.exp(mean), seconds: seconds, tokensPerSecond: Double(count * context) / seconds)
    }
}
