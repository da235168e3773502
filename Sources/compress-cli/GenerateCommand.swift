import ArgumentParser
import Foundation
import LLMCompressor

/// `compress generate`: text from a prompt, with the runtime on the CPU.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a prompt.",
        discussion: """
            Greedy by default; --temperature above 0 samples, within the --top-p nucleus, reproducibly for a given --seed. The text streams to standard output; speeds go to standard error. Generation stops at --max-tokens (capped so that prompt and new tokens fit the model's max_position_embeddings) or an end-of-sequence token (config.json and generation_config.json's eos_token_id; with --chat also tokenizer_config.json's eos_token). --chat renders the prompt (and --system) with the model's own chat template, as transformers' apply_chat_template does with add_generation_prompt; a model without one is an error.
            """)

    @OptionGroup var input: ModelOption

    @Option(help: "The prompt text.")
    var prompt: String

    @Option(name: .customLong("max-tokens"), help: "The most new tokens to generate.")
    var maxTokens = 64

    @Option(help: "Sampling temperature; 0 for greedy.")
    var temperature: Float = 0

    @Option(name: .customLong("top-p"), help: "Sample from the smallest set of tokens whose probabilities reach this sum.")
    var topP: Float = 1

    @Option(help: "Random seed for sampling.")
    var seed: UInt64 = 0

    @Flag(help: "Render the prompt with the model's chat template.")
    var chat = false

    @Option(help: "With --chat, a system message to put first.")
    var system: String?

    @OptionGroup var cores: ThreadsOption

    @OptionGroup var products: ComputeDTypeOption

    @OptionGroup var device: DeviceOption

    @OptionGroup var format: JSONOption

    struct Result: Codable {
        let model: String
        let promptTokens: Int
        let text: String
        let tokens: [Int]
        let stoppedAtEndOfSequence: Bool
        let promptTokensPerSecond: Double
        let decodeTokensPerSecond: Double
    }

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be at least 0") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be a finite number ≥ 0, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        if system != nil, !chat { throw ValidationError("--system needs --chat") }
    }

    func run() throws {
        let model = try input.folder()
        do {
            try device.requireModelBackend()
            let tokenizer = try Tokenizer(path: model)
            var stops = Set(try endOfSequenceTokens(generationConfig: model + "/generation_config.json"))
            let text: String
            if chat {
                let template = try ChatTemplate(tokenizer: tokenizer)
                if let end = tokenizer.eosTokenId { stops.insert(end) }
                let messages = (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + [ChatMessage(role: "user", content: prompt)]
                text = try template.render(messages, addGenerationPrompt: true)
            } else {
                text = prompt
            }
            let ids = tokenizer.encode(text, addSpecialTokens: !chat)
            let loaded = try DecoderModel(directory: model, threads: cores.threads, bf16Products: products.bf16Products)
            stops.formUnion(loaded.spec.endOfSequenceTokens)
            var generator = Generator(
                model: loaded, sampler: try Sampler(temperature: temperature, topP: topP, seed: seed), stopTokens: stops)

            let limit = generator.newTokenLimit(promptTokens: ids.count, maxTokens: maxTokens)
            if limit < maxTokens, let context = loaded.spec.contextLength {
                log("generate: --max-tokens \(maxTokens) capped to \(limit): the model's context (max_position_embeddings) is \(context) tokens, the prompt takes \(ids.count)")
            }
            var produced: [Int] = []
            var shown = ""
            let result = try generator.generate(prompt: ids, maxTokens: maxTokens) { token in
                produced.append(token)
                guard !format.json else { return true }
                let decoded = tokenizer.decode(produced, skipSpecialTokens: true)
                // Hold back text that ends in an incomplete UTF-8 sequence until it completes.
                if !decoded.hasSuffix("\u{FFFD}"), decoded.hasPrefix(shown) {
                    FileHandle.standardOutput.write(Data(decoded.dropFirst(shown.count).utf8))
                    shown = decoded
                }
                return true
            }
            let finalText = tokenizer.decode(result.tokens, skipSpecialTokens: true)
            if format.json {
                print(JSONOutput.text(Result(
                    model: model, promptTokens: ids.count, text: finalText, tokens: result.tokens,
                    stoppedAtEndOfSequence: result.stoppedAtEndOfSequence,
                    promptTokensPerSecond: result.promptTokensPerSecond, decodeTokensPerSecond: result.decodeTokensPerSecond)))
            } else {
                let rest = finalText.hasPrefix(shown) ? String(finalText.dropFirst(shown.count)) : ""
                FileHandle.standardOutput.write(Data((rest + "\n").utf8))
                log("generate: \(ids.count) prompt tokens at \(String(format: "%.1f", result.promptTokensPerSecond)) tokens/s, \(result.tokens.count) new tokens at \(String(format: "%.1f", result.decodeTokensPerSecond)) tokens/s")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }

    /// `eos_token_id` of a generation_config.json (one id or a list), or none when the file is absent
    /// or holds none; a file that cannot be opened (a FIFO, ...) is an error.
    private func endOfSequenceTokens(generationConfig path: String) throws -> [Int] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let file = try MappedFile(path: path)
        let data = withExtendedLifetime(file) { Data(file.bytes) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        if let one = object["eos_token_id"] as? Int { return [one] }
        return (object["eos_token_id"] as? [Int]) ?? []
    }
}
