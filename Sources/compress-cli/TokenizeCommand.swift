import ArgumentParser
import Foundation
import LLMCompressor

/// `compress tokenize`: a text or the records of a JSON Lines file, rendered and tokenized as
/// calibration reads them.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the text the tokenizer reads and its token ids, for a text or each record of a JSON Lines file.",
        discussion: """
            Tokenizes as calibration does: with the tokenizer's special tokens (add_special_tokens=True, as llm-compressor tokenizes), 'messages' rendered with the model's own chat template, 'input_ids' records as they are; no length limit. Each sample prints as its text, then its ids on one line; with --json, as one JSON object per line: {"line": N, "text": "...", "input_ids": [...]} (no "line" for --text, "text" null for an 'input_ids' record).

            Examples:
              compress tokenize --model ./SmolLM2-135M --text "Hello world"
              compress tokenize --model ./SmolLM2-135M --text "What is 2+2?" --chat --add-generation-prompt
              compress tokenize --model ./SmolLM2-135M --input chat.jsonl --json
            """)

    @OptionGroup var input: ModelOption

    @Option(help: "The text to tokenize.")
    var text: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("A JSON Lines file ('input_ids', 'text' or 'messages' records, optionally zstd-compressed) to tokenize record by record.", valueName: "file"),
            completion: .file())
    var inputFile: String?

    @Flag(help: "Render --text as a user message with the model's chat template first.")
    var chat = false

    @Flag(help: "End rendered conversations with the start of an assistant turn (add_generation_prompt=True).")
    var addGenerationPrompt = false

    @OptionGroup var format: JSONOption

    func validate() throws {
        guard (text == nil) != (inputFile == nil) else { throw ValidationError("give one of --text and --input") }
        if chat, text == nil { throw ValidationError("--chat renders --text; the records of --input are rendered by their own kind") }
        if addGenerationPrompt, !chat, inputFile == nil { throw ValidationError("--add-generation-prompt needs --chat or --input") }
    }

    func run() throws {
        let model = try input.folder()
        do {
            let tokenizer = try Tokenizer(path: model)
            if let text {
                print(describe(try RenderedSample.render(text: text, asChat: chat, addGenerationPrompt: addGenerationPrompt, tokenizer: tokenizer)))
            } else if let inputFile {
                try RenderedSample.renderRecords(path: inputFile, tokenizer: tokenizer, addGenerationPrompt: addGenerationPrompt) { print(describe($0)) }
            }
        } catch { throw fail(error) }
    }

    /// The text and ids of `sample`: two lines or more (the text may hold line breaks), or one JSON line.
    private func describe(_ sample: RenderedSample) -> String {
        let ids = JSONValue.array(sample.ids.map { .integer(Int64($0)) })
        guard format.json else { return (sample.text.map { $0 + "\n" } ?? "") + JSONWriter.compact(ids) }
        var members: [(String, JSONValue)] = sample.line.map { [("line", .integer(Int64($0)))] } ?? []
        members += [("text", sample.text.map(JSONValue.string) ?? .null), ("input_ids", ids)]
        return JSONWriter.compact(.object(JSONObject(members)))
    }
}
