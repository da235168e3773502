/// Samples from a JSON Lines file: each record is one candidate, turned into token ids by
/// `RecordEncoder` as llm-compressor's dataset preprocessing turns a row into them.
///
/// Every line is checked (UTF-8, JSON, fields, roles), but only the records the selector
/// chooses are rendered and tokenized.
struct JSONLinesSamples {
    let input: BufferedInput
    private var encoder: RecordEncoder
    /// The bound of `input_ids`: the tokenizer's vocabulary, else the model's.
    let vocabularySize: Int

    /// Reads `input`'s records, tokenized by `tokenizer` (nil: `input_ids` records only, each id below `vocabularySize`).
    init(input: BufferedInput, tokenizer: Tokenizer?, vocabularySize: Int? = nil, maxSequenceLength: Int, addGenerationPrompt: Bool = false) {
        self.input = input
        self.vocabularySize = tokenizer?.vocabularySize ?? vocabularySize ?? .max
        encoder = RecordEncoder(tokenizer: tokenizer, maxSequenceLength: maxSequenceLength, addGenerationPrompt: addGenerationPrompt)
    }

    /// Offers every record of the file to `selector`, until the end or until it is complete.
    mutating func read(into selector: inout SampleSelector) throws(TokenizerError) {
        while !selector.isComplete, let record = try nextRecord() {
            try selector.offer { () throws(TokenizerError) -> [Int] in
                try encoder.ids(of: record, file: input.file, line: input.lineNumber)
            }
        }
    }

    /// The next record, blank lines skipped; nil at the end.
    mutating func nextRecord() throws(TokenizerError) -> CalibrationRecord? {
        while let bytes = try input.nextLine() {
            guard let record = try CalibrationRecord.parse(bytes, file: input.file, line: input.lineNumber,
                                                           vocabularySize: vocabularySize) else { continue }
            try encoder.prepare(for: record, file: input.file, line: input.lineNumber)
            return record
        }
        return nil
    }

    /// The text and ids of `record`, the last one `nextRecord` gave.
    mutating func rendered(_ record: CalibrationRecord) throws(TokenizerError) -> RenderedSample {
        let text = try encoder.text(of: record, file: input.file, line: input.lineNumber)
        let ids = if let text {
            try encoder.ids(ofText: text, file: input.file, line: input.lineNumber)
        } else {
            try encoder.ids(of: record, file: input.file, line: input.lineNumber)
        }
        return RenderedSample(line: input.lineNumber, text: text, ids: ids)
    }
}
