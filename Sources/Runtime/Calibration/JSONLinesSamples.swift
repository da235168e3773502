/// Samples from a JSON Lines file: each record is one sample, tokenized as llm-compressor's
/// `TextGenerationDataset` tokenizes its `text` column (special tokens added, `truncation=True`
/// at `maxSequenceLength`, no padding). `messages` are first rendered with the model's chat
/// template as transformers' `apply_chat_template(messages, add_generation_prompt=False)` renders
/// them (see `ChatTemplate`); the rendered text is then tokenized the same way, as
/// llm-compressor's chat datasets do.
///
/// Every line is checked (UTF-8, JSON, fields), but only the records the selector keeps are
/// rendered and tokenized.
struct JSONLinesSamples {
    let input: BufferedInput
    let tokenizer: Tokenizer
    let maxSequenceLength: Int
    /// Parsed from the tokenizer's template at the first `messages` record.
    private var chatTemplate: ChatTemplate?

    init(input: BufferedInput, tokenizer: Tokenizer, maxSequenceLength: Int) {
        self.input = input
        self.tokenizer = tokenizer
        self.maxSequenceLength = maxSequenceLength
    }

    /// Offers every record of the file to `selector`, until the end or until it is complete.
    mutating func read(into selector: inout SampleSelector) throws(RuntimeError) {
        while !selector.isComplete, let bytes = try input.nextLine() {
            guard let record = try CalibrationRecord.parse(bytes, file: input.file, line: input.lineNumber) else { continue }
            let text: () throws(RuntimeError) -> String
            switch record {
            case let .text(string):
                text = { string }
            case let .messages(messages):
                let template: ChatTemplate
                if let parsed = chatTemplate {
                    template = parsed
                } else {
                    template = try modelChatTemplate()
                    chatTemplate = template
                }
                let (file, line) = (input.file, input.lineNumber)
                text = { () throws(RuntimeError) in
                    do throws(TokenizerError) {
                        return try template.render(messages, addGenerationPrompt: false)
                    } catch {
                        throw .calibrationData(file: file, line: line, reason: error.description)
                    }
                }
            }
            try selector.offer { () throws(RuntimeError) -> [Int] in
                // A record of no token within the length, the special tokens aside, is no sample.
                let ids = tokenizer.encode(try text(), addSpecialTokens: true, maxLength: maxSequenceLength)
                return ids.count > tokenizer.specialTokens.prefix.count + tokenizer.specialTokens.suffix.count ? ids : []
            }
        }
    }

    /// The model's chat template, or an error naming the record's line.
    private func modelChatTemplate() throws(RuntimeError) -> ChatTemplate {
        do {
            return try ChatTemplate(tokenizer: tokenizer)
        } catch {
            throw .calibrationData(file: input.file, line: input.lineNumber,
                                   reason: "'messages' need the model's chat template: \(error.description); write 'text' records with the conversation already rendered instead")
        }
    }
}
