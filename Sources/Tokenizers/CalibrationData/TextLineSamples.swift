/// Samples from a plain text file read line by line (`CalibrationTextSamples.lines`), as
/// llm-compressor reads a `.txt` dataset through Hugging Face datasets' `text` loader: each line,
/// without its line break (`\n`, or `\r\n`), is a candidate, tokenized with the tokenizer's special
/// tokens and cut to the maximum length (see `RecordEncoder`). A blank line (nothing but white space) is no candidate:
/// the text loader keeps it as a row, which would calibrate on nothing but special tokens, so
/// this is llm-compressor after `dataset.filter(lambda row: row["text"].strip())`.
///
/// Every line is checked for valid UTF-8; only the chosen ones are tokenized.
struct TextLineSamples {
    let input: BufferedInput
    let encoder: RecordEncoder

    init(input: BufferedInput, tokenizer: Tokenizer, maxSequenceLength: Int) {
        self.input = input
        encoder = RecordEncoder(tokenizer: tokenizer, maxSequenceLength: maxSequenceLength)
    }

    /// Offers every line that is not blank to `selector`, until the end or until it is complete.
    func read(into selector: inout SampleSelector) throws(TokenizerError) {
        while !selector.isComplete, let bytes = try input.nextLine() {
            guard !bytes.isBlankLine else { continue }
            let content = bytes.last == UInt8(ascii: "\r") ? UnsafeRawBufferPointer(rebasing: bytes.dropLast()) : bytes
            guard let text = String(validating: content, as: UTF8.self) else {
                throw .calibrationData(file: input.file, line: input.lineNumber, reason: "invalid UTF-8")
            }
            try selector.offer { () throws(TokenizerError) -> [Int] in try encoder.ids(ofText: text, file: input.file, line: input.lineNumber) }
        }
    }
}
