import Foundation

/// Which tokens of each window a perplexity counts.
public enum ScoredTokens: String, Sendable, Codable, CaseIterable {
    /// Every token but the window's first, each predicted from all the window's tokens before it:
    /// the default, and the protocol of the README's tables.
    case allButFirst = "all-but-first"
    /// The tokens from position `context / 2 + 1` on (255 of a 512-token window), each predicted
    /// from more than half a window: llama.cpp's `llama-perplexity` protocol, whose numbers this
    /// makes comparable. The output head runs on the positions that predict them only.
    case secondHalf = "second-half"

    /// The first position of a window of `context` tokens whose prediction of the next token counts.
    public func firstPosition(context: Int) -> Int { self == .allButFirst ? 0 : context / 2 }

    /// The shortest window that has a token to count: 2, or 3 for the second half.
    public var smallestContext: Int { self == .allButFirst ? 2 : 3 }
}

/// The result of a perplexity evaluation.
public struct PerplexityReport: Sendable, Codable, Equatable {
    /// Windows scored.
    public var windows: Int
    /// Tokens per window.
    public var context: Int
    /// Which tokens of each window were counted.
    public var scored: ScoredTokens
    /// Tokens whose negative log-likelihood was counted.
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

    /// `-log p(tokens[first + i + 1])` under row `i` of `logits` (`tokens.count - 1 - first` rows of
    /// `width`, those of positions `first...`), for every token after position `first`; the rows
    /// shared over the compute threads.
    static func negativeLogLikelihoods(of tokens: [Int], from first: Int = 0, logits: UnsafePointer<Float>, width: Int) -> [Double] {
        let count = tokens.count - 1 - first
        return [Double](unsafeUninitializedCapacity: count) { result, initialized in
            let output = result.baseAddress!
            ComputeThreads.forEachRange(count: count, work: count * width) { rows in
                for i in rows {
                    output[i] = -LogSoftmax.logProbability(of: tokens[first + i + 1], in: UnsafeBufferPointer(start: logits + i * width, count: width))
                }
            }
            initialized = count
        }
    }

    /// `exp` of the mean of `negativeLogLikelihoods`.
    public static func perplexity(negativeLogLikelihoods: [Double]) -> Double {
        Foundation.exp(negativeLogLikelihoods.reduce(0, +) / Double(negativeLogLikelihoods.count))
    }

    /// Scores the first `windows` (default: every whole) window of `context` tokens of `tokens`,
    /// counting the tokens `scored` names.
    ///
    /// - Parameter progress: called after each window with (windows done, windows in all).
    /// - Throws: ``RuntimeError/invalidArgument(_:)`` when `tokens` holds no whole window.
    public static func evaluate(
        model: some ScoringModel, tokens: [Int], context: Int = 512, windows: Int? = nil, scored: ScoredTokens = .allButFirst,
        progress: ((Int, Int) -> Void)? = nil
    ) throws(RuntimeError) -> PerplexityReport {
        guard context >= scored.smallestContext else {
            throw .invalidArgument("context must be at least \(scored.smallestContext) tokens to score \(scored.rawValue), got \(context)")
        }
        let available = tokens.count / context
        let count = Swift.min(windows ?? available, available)
        guard count > 0 else {
            throw .invalidArgument("\(tokens.count) tokens do not fill one window of \(context)")
        }
        var all: [Double] = []
        let first = scored.firstPosition(context: context)
        all.reserveCapacity(count * (context - 1 - first))
        let start = Date()
        // Window states (the KV caches) for one batch and one window's logits buffer, kept for
        // every batch: no fresh memory (and page faults) per window.
        let batch = Swift.max(1, Swift.min(model.windowsPerBatch(context: context), count))
        let states = (0..<batch).map { _ in model.makeWindowState(capacity: context) }
        let width = model.vocabularySize
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: (context - first) * width)
        defer { logits.deallocate() }
        for start in stride(from: 0, to: count, by: batch) {
            let windows = (start..<Swift.min(start + batch, count)).map { Array(tokens[$0 * context..<($0 + 1) * context]) }
            try model.logits(batch: windows, states: Array(states.prefix(windows.count)), from: first, into: logits) { j throws(RuntimeError) in
                all += negativeLogLikelihoods(of: windows[j], from: first, logits: logits, width: width)
                progress?(start + j + 1, count)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let mean = all.reduce(0, +) / Double(all.count)
        return PerplexityReport(
            windows: count, context: context, scored: scored, scoredTokens: all.count, meanNegativeLogLikelihood: mean,
            perplexity: Foundation.exp(mean), seconds: seconds, tokensPerSecond: Double(count * context) / seconds)
    }
}
