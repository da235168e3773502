/// Samples from a JSON Lines file: each record is one sample, tokenized as llm-compressor's
/// `TextGenerationDataset` tokenizes its `text` column (special tokens added, `truncation=True`
/// at `maxSequenceLength`, no padding). `messages` are first rendered with the model's chat
/// template (`add_generation_prompt=False`), which must be ChatML (see `ChatMLTemplate`); the
/// rendered text is then tokenized the same way, as llm-compressor's chat datasets do.
///
/// Every line is checked (UTF-8, JSON, fields), but only the records the selector keeps are
/// rendered and tokenized.
struct JSONLinesSamples {
    let input: BufferedInput
    let tokenizer: Tokenizer
    let maxSequenceLength: Int
    /// Read from the tokenizer's template at the first `messages` record.
    private var chatTemplate: ChatMLTemplate?

    init(input: BufferedInput, tokenizer: Tokenizer, maxSequenceLength: Int) {
        self.input = input
        self.tokenizer = tokenizer
        self.maxSequenceLength = maxSequenceLength
    }

    /// Offers every record of the file to `selector`, until the end or until it is complete.
    mutating func read(into selector: inout SampleSelector) throws(RuntimeError) {
        while !selector.isComplete, let bytes = try input.nextLine() {
            guard let record = try CalibrationRecord.parse(bytes, file: input.file, line: input.lineNumber) else { continue }
            let text: () -> String
            switch record {
            case let .text(string):
                text = { string }
            case let .messages(messages):
                if chatTemplate == nil { chatTemplate = try recognizedChatTemplate() }
                let template = chatTemplate!
                text = { template.render(messages, addGenerationPrompt: false) }
            }
            selector.offer { () -> [Int] in
                // A record of no token within the length, the special tokens aside, is no sample.
                let ids = tokenizer.encode(text(), addSpecialTokens: true, maxLength: maxSequenceLength)
                return ids.count > tokenizer.specialTokens.prefix.count + tokenizer.specialTokens.suffix.count ? ids : []
            }
        }
    }

    /// The tokenizer's chat template as ChatML, or an error naming the record's line.
    private func recognizedChatTemplate() throws(RuntimeError) -> ChatMLTemplate {
        func failure(_ reason: String) -> RuntimeError {
            .calibrationData(file: input.file, line: input.lineNumber, reason: "'messages' need the model's chat template, but \(reason); write 'text' records with the conversation already rendered instead")
        }
        guard let source = tokenizer.chatTemplate else {
            throw failure("the tokenizer has none (no chat_template.jinja, no chat_template in tokenizer_config.json)")
        }
        let template: ChatMLTemplate
        do {
            template = try ChatMLTemplate(modelTemplate: source)
        } catch {
            throw failure(error.description)
        }
        guard tokenizer.id(of: ChatMLTemplate.startToken) != nil, tokenizer.id(of: ChatMLTemplate.endToken) != nil else {
            throw failure("the tokenizer has no \(ChatMLTemplate.startToken) and \(ChatMLTemplate.endToken) tokens for its ChatML template")
        }
        return template
    }
}
