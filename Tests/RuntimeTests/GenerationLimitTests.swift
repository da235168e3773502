import Foundation
import Runtime
import Testing
import TestSupport

/// Generation asks for no memory in proportion to the tokens it may produce: their number is
/// capped to the model's context length, and the KV cache grows as they come.
@Suite struct GenerationLimitTests {
    static let prompt = [1, 17, 300, 42, 250, 7, 7, 256]

    /// tiny-llama with `max_position_embeddings` set to `context` (removed when nil).
    static func model(context: Int?) throws -> DecoderModel {
        let folder = try HostileConfigurationTests.copy(of: "tiny-llama") { $0["max_position_embeddings"] = context }
        return try DecoderModel(directory: folder.path, threads: 1)
    }

    @Test func maxTokensBeyondTheContextAreCapped() throws {
        var generator = Generator(model: try Self.model(context: 24), sampler: try Sampler(), stopTokens: [])
        #expect(generator.newTokenLimit(promptTokens: Self.prompt.count, maxTokens: 100_000_000) == 16)
        #expect(generator.newTokenLimit(promptTokens: Self.prompt.count, maxTokens: 5) == 5)
        #expect(generator.newTokenLimit(promptTokens: 30, maxTokens: 5) == 0)
        let result = try generator.generate(prompt: Self.prompt, maxTokens: 100_000_000)
        #expect(result.tokens.count == 16)
    }

    @Test func theCacheGrowsAsTokensCome() throws {
        var generator = Generator(model: try Self.model(context: nil), sampler: try Sampler(), stopTokens: [])
        #expect(generator.newTokenLimit(promptTokens: Self.prompt.count, maxTokens: 100_000_000) == 100_000_000)
        let cache = generator.model.makeCache()
        var produced = 0
        let result = try generator.generate(prompt: Self.prompt, maxTokens: 100_000_000, cache: cache) { _ in
            produced += 1
            return produced < 40
        }
        #expect(result.tokens.count == 40)
        // The prompt and every new token but the last have run through the cache.
        #expect(cache.count == Self.prompt.count + 39)
        #expect(cache.capacity >= cache.count && cache.capacity <= 2 * cache.count)
    }

    @Test func generationContinuesAfterTheCachedPositions() throws {
        var generator = Generator(model: try Self.model(context: 24), sampler: try Sampler(), stopTokens: [])
        let cache = generator.model.makeCache()
        _ = try generator.generate(prompt: Self.prompt, maxTokens: 4, cache: cache)
        let more = try generator.generate(prompt: [5], maxTokens: 100, cache: cache)
        // 8 prompt tokens and 3 of the first answer are cached; 1 more leaves room for 12 in 24.
        #expect(more.tokens.count == 12)
    }
}
