import JSON

/// Turns calibration records into token ids as llm-compressor's dataset preprocessing does:
/// `messages` rendered with the model's chat template as transformers'
/// `apply_chat_template(messages, tokenize=False)` renders them, then the text tokenized as
/// `TextGenerationDataset.tokenize` does (`add_special_tokens` left at its default, true, so a
/// template that writes its own BOS gets the post-processor's too; `truncation=True` at the
/// maximum length); `input_ids` taken as they are, cut to the maximum length.
struct RecordEncoder {
    /// Nil for a model without tokenizer.json: then only `input_ids` records can be encoded.
    let tokenizer: Tokenizer?
    let maxSequenceLength: Int
    var addGenerationPrompt = false
    /// Parsed from the tokenizer's template at the first `messages` record.
    private var chatTemplate: ChatTemplate?

    init(tokenizer: Tokenizer?, maxSequenceLength: Int, addGenerationPrompt: Bool = false) {
        self.tokenizer = tokenizer
        self.maxSequenceLength = maxSequenceLength
        self.addGenerationPrompt = addGenerationPrompt
    }

    /// Parses the model's chat template now if `record` needs it and it is not parsed yet, so
    /// that a model without one fails at the first `messages` record.
    mutating func prepare(for record: CalibrationRecord, file: String, line: Int) throws(TokenizerError) {
        guard case .messages = record, chatTemplate == nil else { return }
        let tokenizer = try self.tokenizer(for: "'messages' records", file: file, line: line)
        do {
            chatTemplate = try ChatTemplate(tokenizer: tokenizer)
        } catch {
            throw .calibrationData(file: file, line: line,
                                   reason: "'messages' need the model's chat template: \(error.description); write 'text' records with the conversation already rendered instead")
        }
    }

    /// The text `record` stands for (nil for token ids), its messages rendered.
    mutating func text(of record: CalibrationRecord, file: String, line: Int) throws(TokenizerError) -> String? {
        switch record {
        case .tokens: return nil
        case let .text(text): return text
        case let .messages(messages):
            try prepare(for: record, file: file, line: line)
            do {
                return try chatTemplate!.render(messages, addGenerationPrompt: addGenerationPrompt)
            } catch {
                throw .calibrationData(file: file, line: line, reason: error.description)
            }
        }
    }

    /// The token ids of `record`, at most `maxSequenceLength`.
    /// - Throws: when the text gives no token but the post-processor's (a template that renders nothing).
    mutating func ids(of record: CalibrationRecord, file: String, line: Int) throws(TokenizerError) -> [Int] {
        if case let .tokens(ids) = record { return Array(ids.prefix(maxSequenceLength)) }
        return try ids(ofText: text(of: record, file: file, line: line) ?? "", file: file, line: line)
    }

    /// The token ids of `text` with the post-processor's special tokens, at most `maxSequenceLength`.
    /// - Throws: when no token of the text is left besides the special ones (an empty text, or a
    ///   maximum length the special tokens fill).
    func ids(ofText text: String, file: String, line: Int) throws(TokenizerError) -> [Int] {
        let tokenizer = try self.tokenizer(for: "'text' records", file: file, line: line)
        let ids = tokenizer.encode(text, addSpecialTokens: true, maxLength: maxSequenceLength)
        guard ids.count > tokenizer.specialTokens.prefix.count + tokenizer.specialTokens.suffix.count else {
            let length = maxSequenceLength == .max ? "" : ", at most \(maxSequenceLength) tokens"
            throw .calibrationData(file: file, line: line,
                                   reason: "the sample renders to no tokens but the tokenizer's special ones (text \(text.prefix(80).debugDescription)\(length))")
        }
        return ids
    }

    /// The tokenizer, which `what` needs.
    /// - Throws: `calibrationData` at `file`:`line` when the model has none.
    func tokenizer(for what: String, file: String, line: Int) throws(TokenizerError) -> Tokenizer {
        guard let tokenizer else { throw .calibrationData(file: file, line: line, reason: Self.noTokenizer(what)) }
        return tokenizer
    }

    /// Why `what` cannot be read without a tokenizer.
    static func noTokenizer(_ what: String) -> String {
        "\(what) cannot be read without the model's tokenizer, and the model folder has no tokenizer.json; give JSON Lines of 'input_ids' records instead"
    }
}
