/// Token sequences to calibrate a model on, read from a data file and tokenized by the model's
/// tokenizer.
///
/// Files, told by `CalibrationDataOptions.format`, else by their name, else by their content (JSON
/// Lines when the first byte that is not white space is `{`, else plain text):
/// - `.txt`: plain text. The whole text is one token sequence, cut into non-overlapping windows of
///   `maxSequenceLength` tokens, each window a sample (see `PlainTextSamples`).
/// - `.jsonl`: JSON Lines, one sample per record: `{"text": "..."}`, or
///   `{"messages": [{"role": "user", "content": "..."}, ...]}` rendered with the model's chat
///   template as transformers renders it (see `ChatTemplate`); each tokenized with the tokenizer's
///   special tokens (BOS where its post-processor adds one, as llm-compressor's tokenization
///   with `add_special_tokens=True` does) and cut to `maxSequenceLength` tokens.
/// - Either compressed with zstd (`.txt.zst`, `.jsonl.zst`), decompressed as it is read. A file
///   that starts with a zstd frame is decompressed whatever its name.
///
/// Blank lines, records with an empty `text` or `messages`, and samples that would hold nothing but
/// the tokenizer's special tokens (an empty text's lone BOS) are skipped. Invalid UTF-8, invalid
/// JSON, a record with neither `text` nor `messages`, a JSON Lines line longer than 64 MiB, a
/// corrupt or truncated zstd stream and a file without any sample are errors naming the file and line.
///
/// Samples are drawn by `SampleSelector`: shuffled with the seed, or the first ones. Memory is
/// the chosen samples plus one line, or a few text pieces of at most 2 MiB, and the zstd window,
/// whatever the file's size and the length of its lines; reading stops at
/// `CalibrationDataOptions.maxInputBytes`, or, without shuffling, as soon as `sampleCount`
/// samples are read. With shuffling, every window of a text is
/// tokenized, and every record of a JSON Lines file is parsed but only the chosen ones tokenized.
public struct CalibrationData: Sendable {
    /// What reading the file found.
    public struct Statistics: Sendable, Equatable {
        /// Bytes of text read (after decompression).
        public var bytesRead: Int
        /// The candidates the samples were drawn from: records (blank lines and empty records
        /// aside) of a JSON Lines file, windows of a text.
        public var documentsRead: Int
        /// The tokens of all samples.
        public var tokenCount: Int
        /// Whether reading stopped at `CalibrationDataOptions.maxInputBytes` before the end of the file.
        public var stoppedAtInputLimit: Bool
    }

    /// Token ids, each sample 1 to `maxSequenceLength` long.
    public let samples: [[Int]]
    /// The file the samples were read from.
    public let source: String
    public let statistics: Statistics

    /// Reads the calibration samples of `path`, tokenized by `tokenizer`.
    /// - Throws: `RuntimeError.calibrationData` naming the file (and line) for an unusable file;
    ///   `.invalidArgument` for options out of range; `.checkpoint` when the file cannot be opened.
    public static func load(path: String, tokenizer: Tokenizer, options: CalibrationDataOptions = CalibrationDataOptions()) throws(RuntimeError) -> CalibrationData {
        try options.validate()
        let format = try CalibrationFormat(path: path, declared: options.format)
        let reader = try openByteReader(path: path, namedCompressed: format.isNamedCompressed)
        let input = BufferedInput(reader: reader, file: path, byteLimit: options.maxInputBytes)
        var selector = SampleSelector(options)
        switch format.content {
        case .txt:
            try PlainTextSamples(input: input, tokenizer: tokenizer, maxSequenceLength: options.maxSequenceLength).read(into: &selector)
        case .jsonl:
            var records = JSONLinesSamples(input: input, tokenizer: tokenizer, maxSequenceLength: options.maxSequenceLength)
            try records.read(into: &selector)
        }
        let samples = selector.finish()
        guard !samples.isEmpty else {
            throw .calibrationData(file: path, line: nil, reason: format.content == .txt ? "no text to calibrate on" : "no records to calibrate on")
        }
        return CalibrationData(
            samples: samples, source: path,
            statistics: Statistics(bytesRead: input.bytesRead, documentsRead: selector.offered,
                                   tokenCount: samples.reduce(0) { $0 + $1.count }, stoppedAtInputLimit: input.stoppedAtLimit))
    }
}
