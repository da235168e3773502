/// Token sequences to calibrate a model on, read from a data file and tokenized by the model's
/// tokenizer, chosen as llm-compressor 0.14 and its examples choose them.
///
/// Files, told by `CalibrationDataOptions.format`, else by their name, else by their content (JSON
/// Lines when the first byte that is not white space is `{`, else plain text):
/// - `.txt`: plain text, one sample per line (see `TextLineSamples`), or with
///   `CalibrationTextSamples.windows` the whole text tokenized as one sequence and cut into
///   windows of the maximum sequence length (see `TextWindowSamples`).
/// - `.jsonl`: JSON Lines, one sample per record: `{"input_ids": [...]}`, `{"text": "..."}`, or
///   `{"messages": [{"role": "user", "content": "..."}, ...]}` rendered with the model's chat
///   template (see `CalibrationRecord`, `RecordEncoder`).
/// - Either compressed with zstd (`.txt.zst`, `.jsonl.zst`), decompressed as it is read. A file
///   that starts with a zstd frame is decompressed whatever its name.
///
/// The maximum sequence length is `CalibrationDataOptions.maxSequenceLength`, else the
/// tokenizer's `model_max_length`, else none (as llm-compressor's `max_seq_length=None`).
///
/// Shuffled (the default), the samples are the first `sampleCount` candidates (records, lines,
/// windows) in the order Hugging Face datasets' `Dataset.shuffle(seed=seed)` puts them, in that
/// order: `load_dataset(...).shuffle(seed=42).select(range(512))`, as llm-compressor's examples
/// choose them. The file is read twice: once to count the candidates, once to tokenize the chosen
/// ones. Not shuffled, the first `sampleCount` in file order, and reading stops there.
///
/// Blank lines are skipped. Invalid UTF-8, invalid JSON, a record without a usable field, an
/// empty record, an unknown role, a chat template that fails, a sample that renders to no tokens, a
/// line longer than 64 MiB, a corrupt or truncated zstd stream and a file without any sample are
/// errors naming the file and line. Memory is the chosen samples plus one line, or a few text
/// pieces of at most 2 MiB, the zstd window and, shuffled, one integer per candidate, whatever the
/// file's size and the length of its lines; reading stops at `CalibrationDataOptions.maxInputBytes`.
public struct CalibrationData: Sendable {
    /// What reading the file found.
    public struct Statistics: Sendable, Equatable {
        /// Bytes of text read (after decompression).
        public var bytesRead: Int
        /// The candidates the samples were drawn from: records (blank lines aside) of a JSON
        /// Lines file, lines or windows of a text.
        public var documentsRead: Int
        /// The tokens of all samples.
        public var tokenCount: Int
        /// Whether reading stopped at `CalibrationDataOptions.maxInputBytes` before the end of the file.
        public var stoppedAtInputLimit: Bool
    }

    /// Token ids, each sample 1 to the maximum sequence length long.
    public let samples: [[Int]]
    /// The file the samples were read from.
    public let source: String
    public let statistics: Statistics

    /// Reads the calibration samples of `path`, tokenized by `tokenizer`. Without a tokenizer (a
    /// model folder without tokenizer.json) only `input_ids` records can be read, each id below
    /// `vocabularySize` (the model's `vocab_size`, when known).
    /// - Throws: `TokenizerError.calibrationData` naming the file (and line) for an unusable file,
    ///   or for a text file or a `text` or `messages` record without a tokenizer; `.invalidArgument`
    ///   for options out of range; `.checkpoint` when the file cannot be opened.
    public static func load(path: String, tokenizer: Tokenizer?, vocabularySize: Int? = nil,
                            options: CalibrationDataOptions = CalibrationDataOptions()) throws(TokenizerError) -> CalibrationData {
        try options.validate()
        let format = try CalibrationFormat(path: path, declared: options.format)
        let maxSequenceLength = options.sequenceLength(for: tokenizer)
        if format.content == .txt && tokenizer == nil {
            throw .calibrationData(file: path, line: nil, reason: RecordEncoder.noTokenizer("a text file"))
        }
        if format.content == .txt && options.textSamples == .windows && maxSequenceLength == .max {
            throw .invalidArgument("text windows need a maximum sequence length (max_seq_length, --max-seq-length): \(tokenizer?.directory ?? "the tokenizer") sets no model_max_length")
        }
        /// Offers the file's candidates to `selector`; returns the input read.
        func read(into selector: inout SampleSelector) throws(TokenizerError) -> BufferedInput {
            let reader = try openByteReader(path: path, namedCompressed: format.isNamedCompressed)
            let input = BufferedInput(reader: reader, file: path, byteLimit: options.maxInputBytes)
            switch (format.content, options.textSamples) {
            case (.txt, .lines):
                try TextLineSamples(input: input, tokenizer: tokenizer!, maxSequenceLength: maxSequenceLength).read(into: &selector)
            case (.txt, .windows):
                try TextWindowSamples(input: input, tokenizer: tokenizer!, maxSequenceLength: maxSequenceLength).read(into: &selector)
            case (.jsonl, _):
                var records = JSONLinesSamples(input: input, tokenizer: tokenizer, vocabularySize: vocabularySize, maxSequenceLength: maxSequenceLength)
                try records.read(into: &selector)
            }
            return input
        }
        var counted: (input: BufferedInput, candidates: Int)?
        if options.shuffle {
            var counter = SampleSelector.counting()
            counted = (try read(into: &counter), counter.offered)
        }
        var selector = SampleSelector(options, candidateCount: counted?.candidates ?? 0)
        let input = try read(into: &selector)
        let samples = selector.finish()
        guard !samples.isEmpty else {
            throw .calibrationData(file: path, line: nil, reason: format.content == .txt ? "no text to calibrate on" : "no records to calibrate on")
        }
        let whole = counted?.input ?? input
        return CalibrationData(
            samples: samples, source: path,
            statistics: Statistics(bytesRead: whole.bytesRead, documentsRead: counted?.candidates ?? selector.offered,
                                   tokenCount: samples.reduce(0) { $0 + $1.count }, stoppedAtInputLimit: whole.stoppedAtLimit))
    }
}
