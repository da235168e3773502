import ArgumentParser
import Foundation
import LLMCompressor

/// `compress eval`: perplexity of a model on a text file, with the runtime on the CPU or a CUDA GPU.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a model's perplexity on a text file.",
        discussion: """
            Tokenizes the file with the model's tokenizer.json (no special tokens), cuts the ids into consecutive, non-overlapping windows of --context tokens, scores each window alone and reports exp(mean negative log-likelihood) of every token of every window but its first (--scored-tokens second-half: of the tokens of each window's second half, as llama.cpp's llama-perplexity does). A trailing partial window is not scored. On the CPU, bf16 weights stay bf16 and compressed weights stay compressed; math is f32 on the CKernels kernels, except that by default (--matmul-precision high) the products of bf16 layers over many rows split each input into its bf16 rounding and an int8 remainder on CPUs with AVX512_BF16, an error a few percent of bf16 rounding's (--matmul-precision highest keeps every product f32). With --device cuda (dense decoder models), every weight is dequantized to f32 on the host and kept on the GPU, activations are rounded as on the CPU; log-softmax runs on the host.
            """)

    @OptionGroup var input: ModelOption

    @Option(help: "The text file to score.", completion: .file())
    var text: String

    @Option(help: "Tokens per window.")
    var context = 512

    @Option(help: "Score at most this many windows (default: every whole window).")
    var windows: Int?

    @OptionGroup var scored: ScoredTokensOption

    @OptionGroup var cores: ThreadsOption

    @OptionGroup var products: ComputeDTypeOption

    @OptionGroup var device: DeviceOption

    @OptionGroup var format: JSONOption

    struct Result: Codable {
        let model: String
        let text: String
        let textTokens: Int
        let context: Int
        let windows: Int
        /// Which tokens of each window counted: all-but-first or second-half.
        let scored: ScoredTokens
        let scoredTokens: Int
        let meanNegativeLogLikelihood: Double
        let perplexity: Double
        let seconds: Double
        let tokensPerSecond: Double
        let threads: Int
        /// What layers stored in bf16 multiplied: float32, split or bfloat16 on the CPU (as
        /// `bench` reports it); float32 on CUDA, which dequantizes every weight to f32.
        let products: String
    }

    func validate() throws {
        let smallest = scored.scoredTokens.smallestContext
        guard context >= smallest else { throw ValidationError("--context must be at least \(smallest) to score \(scored.scoredTokens.rawValue)") }
        if let windows, windows < 1 { throw ValidationError("--windows must be at least 1") }
    }

    func run() throws {
        let model = try input.folder()
        do {
            let backend = try device.backend()
            let file = try MappedFile(path: text)
            let body = withExtendedLifetime(file) { String(decoding: file.bytes, as: UTF8.self) }
            let tokenizer = try Tokenizer(path: model)
            let ids = tokenizer.encode(body, addSpecialTokens: false)
            log("eval: \(ids.count) tokens from \(text)")
            let loaded = try DecoderModel(directory: model, threads: cores.threads, bf16Products: products.bf16Products)
            let scorer = try backend.scoringModel(for: loaded)
            let report = try Perplexity.evaluate(model: scorer, tokens: ids, context: context, windows: windows,
                                                 scored: scored.scoredTokens) { done, total in
                log("eval: window \(done)/\(total)")
            }
            let result = Result(
                model: model, text: text, textTokens: ids.count, context: report.context, windows: report.windows,
                scored: report.scored, scoredTokens: report.scoredTokens, meanNegativeLogLikelihood: report.meanNegativeLogLikelihood,
                perplexity: report.perplexity, seconds: report.seconds, tokensPerSecond: report.tokensPerSecond,
                threads: ComputeThreads.current, products: scorer is DecoderModel ? products.bf16Products.nameOnThisCPU : "float32")
            if format.json {
                print(JSONOutput.text(result))
            } else {
                print("perplexity \(String(format: "%.4f", result.perplexity))  (mean NLL \(String(format: "%.6f", result.meanNegativeLogLikelihood)) over \(result.scoredTokens) tokens, \(result.windows) windows of \(result.context))")
                print("  \(String(format: "%.1f", result.tokensPerSecond)) tokens/s, \(Formatting.duration(result.seconds)), \(result.threads) threads")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
