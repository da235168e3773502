import Foundation
import Runtime
import Testing
import TestSupport

/// The transformers reference outputs in `Tests/Fixtures/reference/transformers-reference.json`.
enum Reference {
    static let json: [String: Any] = {
        let data = try! Fixtures.data("reference/transformers-reference.json")
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func section(_ key: String) -> [String: Any] { json[key] as! [String: Any] }

    static func ints(_ value: Any?) -> [Int] { (value as! [NSNumber]).map(\.intValue) }
}

@Suite struct LlamaForwardTests {
    static let model = try! DecoderModel(directory: Fixtures.path("tiny-llama"))

    @Test func logitsMatchTransformers() throws {
        let reference = Reference.section("tiny_llama_logits_f32")
        let tokens = Reference.ints(reference["input_ids"])
        let expected = (reference["logits"] as! [[NSNumber]]).map { $0.map(\.floatValue) }
        let logits = try Self.model.forward(tokens, cache: Self.model.makeCache())
        #expect(logits.rows == tokens.count)
        #expect(logits.columns == expected[0].count)
        var worst: Float = 0
        for (r, row) in expected.enumerated() {
            for (c, value) in row.enumerated() { worst = max(worst, abs(logits.values[r * logits.columns + c] - value)) }
        }
        #expect(worst < 1e-4, "max abs error \(worst)")
    }

    @Test func cachedDecodeMatchesBatchedForward() throws {
        let tokens = Reference.ints(Reference.section("tiny_llama_logits_f32")["input_ids"])
        let batched = try Self.model.forward(tokens, cache: Self.model.makeCache())
        let cache = Self.model.makeCache()
        _ = try Self.model.forward(Array(tokens.dropLast()), cache: cache)
        let step = try Self.model.forward([tokens.last!], cache: cache, logits: .last)
        #expect(cache.count == tokens.count)
        #expect(step.rows == 1)
        let last = Array(batched[tokens.count - 1])
        let worst = zip(last, step.values).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "max abs difference \(worst)")
    }

    /// A prompt run for its last logits only skips the last block's MLP for the other rows, but
    /// still caches their keys and values: the next token sees the whole prompt.
    @Test func decodingAfterAPromptRunForItsLastLogitsMatchesBatchedForward() throws {
        let tokens = Reference.ints(Reference.section("tiny_llama_logits_f32")["input_ids"])
        let batched = try Self.model.forward(tokens, cache: Self.model.makeCache())
        for rows in [DecoderModel.LogitRows.last, .from(2)] {
            let cache = Self.model.makeCache()
            let prompt = try Self.model.forward(Array(tokens.dropLast()), cache: cache, logits: rows)
            let step = try Self.model.forward([tokens.last!], cache: cache, logits: .last)
            let promptWorst = zip(batched[tokens.count - 2], prompt.values.suffix(batched.columns)).map { abs($0 - $1) }.max()!
            let stepWorst = zip(batched[tokens.count - 1], step.values).map { abs($0 - $1) }.max()!
            #expect(promptWorst < 1e-5 && stepWorst < 1e-5, "\(rows): \(promptWorst), \(stepWorst)")
        }
    }

    @Test func tokenByTokenMatchesBatchedForward() throws {
        let tokens = Reference.ints(Reference.section("tiny_llama_logits_f32")["input_ids"])
        let batched = try Self.model.forward(tokens, cache: Self.model.makeCache())
        let cache = Self.model.makeCache()
        var worst: Float = 0
        for (i, token) in tokens.enumerated() {
            let step = try Self.model.forward([token], cache: cache)
            worst = max(worst, zip(batched[i], step.values).map { abs($0 - $1) }.max()!)
        }
        #expect(worst < 1e-5, "max abs difference \(worst)")
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: RuntimeError.emptyInput) { try Self.model.forward([], cache: Self.model.makeCache()) }
        #expect(throws: RuntimeError.tokenOutOfRange(token: 512, vocabularySize: 512)) {
            try Self.model.forward([1, 512], cache: Self.model.makeCache())
        }
    }

    @Test func greedyGenerationIsDeterministic() throws {
        var first = Generator(model: Self.model, sampler: try Sampler(), stopTokens: [])
        var second = Generator(model: Self.model, sampler: try Sampler(), stopTokens: [])
        let a = try first.generate(prompt: [1, 17, 300], maxTokens: 8)
        let b = try second.generate(prompt: [1, 17, 300], maxTokens: 8)
        #expect(a.tokens.count == 8)
        #expect(a.tokens == b.tokens)
        // The first generated token is the argmax of the prompt's last logits.
        let logits = try Self.model.forward([1, 17, 300], cache: Self.model.makeCache(), logits: .last)
        #expect(a.tokens[0] == logits.values.indices.max { logits.values[$0] < logits.values[$1] })
    }

    @Test func seededSamplingRepeats() throws {
        var first = Generator(model: Self.model, sampler: try Sampler(temperature: 0.8, topP: 0.9, seed: 7), stopTokens: [])
        var second = Generator(model: Self.model, sampler: try Sampler(temperature: 0.8, topP: 0.9, seed: 7), stopTokens: [])
        #expect(try first.generate(prompt: [1, 5], maxTokens: 6).tokens == second.generate(prompt: [1, 5], maxTokens: 6).tokens)
        #expect(throws: RuntimeError.self) { try Sampler(temperature: -1) }
        #expect(throws: RuntimeError.self) { try Sampler(topP: 0) }
    }
}
