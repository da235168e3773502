import Foundation

/// What one generation produced and how long it took.
public struct GenerationResult: Sendable, Equatable {
    /// The new tokens, not including the prompt (nor the end-of-sequence token that stopped it).
    public var tokens: [Int]
    /// Whether an end-of-sequence token stopped generation (rather than the token limit).
    public var stoppedAtEndOfSequence: Bool
    /// Seconds for the prompt's batched forward pass.
    public var promptSeconds: Double
    /// Seconds for the single-token steps that followed.
    public var decodeSeconds: Double
    /// Prompt tokens per second.
    public var promptTokensPerSecond: Double
    /// Decode steps per second (tokens after the first, each one forward pass with the cache).
    public var decodeTokensPerSecond: Double
}

/// Autoregressive generation: the prompt in one batched pass, then one token at a time with the
/// KV cache.
public struct Generator {
    public let model: DecoderModel
    public var sampler: Sampler
    /// Tokens that end generation (default: the config's `eos_token_id`).
    public var stopTokens: Set<Int>

    public init(model: DecoderModel, sampler: Sampler, stopTokens: Set<Int>? = nil) {
        self.model = model
        self.sampler = sampler
        self.stopTokens = stopTokens ?? Set(model.spec.endOfSequenceTokens)
    }

    /// The most new tokens that may follow `promptTokens` positions: `maxTokens`, capped so that
    /// prompt and new tokens fit the model's context length (`max_position_embeddings`) when
    /// config.json gives one.
    public func newTokenLimit(promptTokens: Int, maxTokens: Int) -> Int {
        guard let context = model.spec.contextLength else { return maxTokens }
        return Swift.min(maxTokens, Swift.max(0, context - promptTokens))
    }

    /// Generates up to `maxTokens` tokens after `prompt`, fewer when the context length is
    /// reached (``newTokenLimit(promptTokens:maxTokens:)``).
    ///
    /// - Parameters:
    ///   - cache: the KV cache to run in, by default a new one; pass one to continue after the
    ///     positions it holds. It grows as tokens come: nothing is reserved for `maxTokens` up front.
    ///   - onToken: called with each new token as it is chosen; return false to stop.
    public mutating func generate(
        prompt: [Int], maxTokens: Int, cache given: KVCache? = nil, onToken: (Int) -> Bool = { _ in true }
    ) throws(RuntimeError) -> GenerationResult {
        guard !prompt.isEmpty else { throw .emptyInput }
        guard maxTokens >= 0 else { throw .invalidArgument("max tokens must be ≥ 0, got \(maxTokens)") }
        let cache = given ?? model.makeCache(capacity: prompt.count)
        let limit = newTokenLimit(promptTokens: cache.count + prompt.count, maxTokens: maxTokens)
        var result = GenerationResult(
            tokens: [], stoppedAtEndOfSequence: false, promptSeconds: 0, decodeSeconds: 0,
            promptTokensPerSecond: 0, decodeTokensPerSecond: 0)
        guard limit > 0 else { return result }

        let promptStart = Date()
        var logits = try model.forward(prompt, cache: cache, logits: .last)
        result.promptSeconds = Date().timeIntervalSince(promptStart)
        result.promptTokensPerSecond = Double(prompt.count) / result.promptSeconds

        let decodeStart = Date()
        var steps = 0
        while true {
            let token = sampler.next(logits.values)
            if stopTokens.contains(token) { result.stoppedAtEndOfSequence = true; break }
            result.tokens.append(token)
            if !onToken(token) || result.tokens.count == limit { break }
            logits = try model.forward([token], cache: cache, logits: .last)
            steps += 1
        }
        result.decodeSeconds = Date().timeIntervalSince(decodeStart)
        result.decodeTokensPerSecond = steps > 0 ? Double(steps) / result.decodeSeconds : 0
        return result
    }
}
