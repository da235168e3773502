import ArgumentParser
import Foundation
import LLMCompressor

/// `compress bench --mode eval|generate`: the runtime's tokens/s on a model loaded once.
extension BenchCommand {
    struct RuntimeResult: Codable {
        let model: String
        let mode: String
        /// The kernels' instruction set: avx512, avx2 or portable.
        let kernels: String
        /// What layers stored in bf16 multiply on this CPU: float32, split or bfloat16.
        let products: String
        let threads: Int
        /// Tokens scored (eval) or generated (generate) per run.
        let tokens: Int
        let seconds: [Double]
        let bestTokensPerSecond: Double
        let medianTokensPerSecond: Double
        /// Generate: the prompt's tokens/s in the best run.
        let promptTokensPerSecond: Double?
        /// Eval: the perplexity (the same every run).
        let perplexity: Double?
        /// Eval: which tokens of each window counted (all-but-first or second-half).
        let scored: ScoredTokens?
        /// The system's 1, 5 and 15-minute load averages when the runs ended.
        let loadAverage: [Double]
        let peakRSSBytes: Int
    }

    func runRuntime() throws {
        let model = try input.folder()
        let result: RuntimeResult
        do {
            let tokenizer = try Tokenizer(path: model)
            let loaded = try DecoderModel(directory: model, threads: cores.threads, bf16Products: products.bf16Products)
            result = mode == .eval
                ? try measureScoring(loaded, tokenizer: tokenizer, model: model)
                : try measureDecoding(loaded, tokenizer: tokenizer, model: model)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
        if format.json {
            print(JSONOutput.text(result))
        } else {
            print("\(result.mode) on \(model), \(result.kernels) kernels, \(result.products) products, \(result.threads) threads, \(result.seconds.count) runs of \(result.tokens) tokens")
            print("  best \(String(format: "%.1f", result.bestTokensPerSecond)) tokens/s, median \(String(format: "%.1f", result.medianTokensPerSecond)) tokens/s"
                  + (result.promptTokensPerSecond.map { String(format: " (prompt %.1f tokens/s)", $0) } ?? "")
                  + (result.perplexity.map { String(format: ", perplexity %.4f", $0) } ?? "")
                  + (result.scored.map { " (\($0.rawValue))" } ?? ""))
            print("  load average \(result.loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " ")), peak RSS \(Formatting.bytes(result.peakRSSBytes))")
        }
    }

    private func measureScoring(_ loaded: DecoderModel, tokenizer: Tokenizer, model: String) throws -> RuntimeResult {
        let file = try MappedFile(path: text ?? "")
        let ids = tokenizer.encode(withExtendedLifetime(file) { String(decoding: file.bytes, as: UTF8.self) }, addSpecialTokens: false)
        var reports: [PerplexityReport] = []
        for _ in 0..<runs {
            reports.append(try Perplexity.evaluate(model: loaded, tokens: ids, context: context, windows: windows, scored: scored.scoredTokens))
        }
        let tokens = reports[0].windows * reports[0].context
        return summary(model: model, tokens: tokens, seconds: reports.map(\.seconds), prompt: nil, perplexity: reports[0].perplexity,
                       scored: reports[0].scored)
    }

    private func measureDecoding(_ loaded: DecoderModel, tokenizer: Tokenizer, model: String) throws -> RuntimeResult {
        let ids = tokenizer.encode(prompt, addSpecialTokens: true)
        var seconds: [Double] = [], promptSpeeds: [Double] = []
        for _ in 0..<runs {
            var generator = Generator(model: loaded, sampler: try Sampler(), stopTokens: [])
            let result = try generator.generate(prompt: ids, maxTokens: maxTokens)
            seconds.append(result.decodeSeconds)
            promptSpeeds.append(result.promptTokensPerSecond)
        }
        // Decode steps: every new token after the first, which the prompt's pass gives.
        return summary(model: model, tokens: maxTokens - 1, seconds: seconds, prompt: promptSpeeds.max(), perplexity: nil, scored: nil)
    }

    private func summary(model: String, tokens: Int, seconds: [Double], prompt: Double?, perplexity: Double?,
                         scored: ScoredTokens?) -> RuntimeResult {
        let speeds = seconds.map { Double(tokens) / $0 }.sorted()
        var loads = [Double](repeating: 0, count: 3)
        _ = getloadavg(&loads, 3)
        return RuntimeResult(
            model: model, mode: mode.rawValue, kernels: CPUKernels.path, products: products.bf16Products.nameOnThisCPU, threads: ComputeThreads.current, tokens: tokens,
            seconds: seconds, bestTokensPerSecond: speeds.last!, medianTokensPerSecond: speeds[speeds.count / 2],
            promptTokensPerSecond: prompt, perplexity: perplexity, scored: scored, loadAverage: loads, peakRSSBytes: Self.peakRSSBytes())
    }
}
