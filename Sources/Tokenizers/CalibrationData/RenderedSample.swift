/// What calibration makes of one text or record: the text the tokenizer reads and its ids
/// (`compress tokenize`).
public struct RenderedSample: Sendable, Equatable {
    /// The line of the record in its file; nil for a text given as it is.
    public var line: Int?
    /// The text tokenized: the record's `text`, or its `messages` rendered with the model's chat
    /// template; nil for a record of `input_ids`.
    public var text: String?
    /// The ids, the tokenizer's special tokens included, as a calibration sample has them.
    public var ids: [Int]

    public init(line: Int?, text: String?, ids: [Int]) {
        self.line = line
        self.text = text
        self.ids = ids
    }

    /// `text` tokenized as a calibration sample is (special tokens added); with `asChat`, first
    /// rendered as one user message with the model's chat template.
    /// - Throws: `TokenizerError` for a model without a chat template, or a template that fails.
    public static func render(text: String, asChat: Bool, addGenerationPrompt: Bool, tokenizer: Tokenizer) throws(TokenizerError) -> RenderedSample {
        var encoder = RecordEncoder(tokenizer: tokenizer, maxSequenceLength: .max, addGenerationPrompt: addGenerationPrompt)
        let record = asChat ? CalibrationRecord.messages([ChatMessage(role: "user", content: text).json]) : .text(text)
        let rendered = try encoder.text(of: record, file: "--text", line: 1) ?? text
        return RenderedSample(line: nil, text: rendered, ids: tokenizer.encode(rendered, addSpecialTokens: true))
    }

    /// Renders and tokenizes every record of the JSON Lines file `path` (optionally
    /// zstd-compressed) as calibration would, without a length limit, in file order.
    /// - Throws: `TokenizerError.calibrationData` naming the file and line of a bad record.
    public static func renderRecords(path: String, tokenizer: Tokenizer, addGenerationPrompt: Bool,
                                     _ body: (RenderedSample) -> Void) throws(TokenizerError) {
        let format = try CalibrationFormat(path: path, declared: .jsonl)
        let reader = try openByteReader(path: path, namedCompressed: format.isNamedCompressed)
        var records = JSONLinesSamples(input: BufferedInput(reader: reader, file: path, byteLimit: .max), tokenizer: tokenizer,
                                       maxSequenceLength: .max, addGenerationPrompt: addGenerationPrompt)
        while let record = try records.nextRecord() {
            body(try records.rendered(record))
        }
    }
}
