/// How calibration samples are drawn from a data file. The defaults are llm-compressor 0.14's
/// `oneshot` defaults (512 samples, shuffled, no length of its own) with the seed its examples
/// shuffle with (42).
public struct CalibrationDataOptions: Sendable, Equatable {
    /// The most samples kept (llm-compressor's `num_calibration_samples`).
    public var sampleCount: Int
    /// The most tokens per sample (llm-compressor's `max_seq_length`); nil for llm-compressor's
    /// default: the tokenizer's `model_max_length`, no limit when tokenizer_config.json sets none.
    public var maxSequenceLength: Int?
    /// The seed of the shuffle (`Dataset.shuffle(seed=...)` in llm-compressor's examples).
    public var seed: UInt64
    /// Take the first `sampleCount` candidates of the file in the order Hugging Face datasets'
    /// `Dataset.shuffle(seed:)` puts them (llm-compressor's `shuffle_calibration_samples`, with the
    /// examples' seeded shuffle); without it, the first `sampleCount` in file order.
    public var shuffle: Bool
    /// The most (decompressed) bytes read: a larger file is read up to the last line break before
    /// this, and `CalibrationData.Statistics.stoppedAtInputLimit` says so. It bounds the time
    /// spent on a huge or hostile file (such as a small `.zst` that expands to gigabytes); memory
    /// does not grow with the file's size. Without shuffling, reading stops sooner, as soon as
    /// `sampleCount` samples are read; shuffled, the candidates are counted up to this limit first.
    public var maxInputBytes: Int
    /// What the file holds; nil to tell it by the file's name (`.txt`, `.jsonl`, optionally
    /// `.zst`), or for other names by its content.
    public var format: CalibrationDataFormat?
    /// How a plain text file becomes samples: one per line (llm-compressor's text loader), or
    /// windows of `maxSequenceLength` tokens over the whole text.
    public var textSamples: CalibrationTextSamples

    public init(sampleCount: Int = 512, maxSequenceLength: Int? = nil, seed: UInt64 = 42, shuffle: Bool = true,
                maxInputBytes: Int = 1 << 30, format: CalibrationDataFormat? = nil, textSamples: CalibrationTextSamples = .lines) {
        self.format = format
        self.sampleCount = sampleCount
        self.maxSequenceLength = maxSequenceLength
        self.seed = seed
        self.shuffle = shuffle
        self.maxInputBytes = maxInputBytes
        self.textSamples = textSamples
    }

    /// Refuses counts and lengths below 1.
    func validate() throws(TokenizerError) {
        guard sampleCount >= 1 else { throw .invalidArgument("the number of calibration samples must be at least 1, got \(sampleCount)") }
        if let maxSequenceLength, maxSequenceLength < 1 {
            throw .invalidArgument("the maximum sequence length must be at least 1, got \(maxSequenceLength)")
        }
        guard maxInputBytes >= 1 else { throw .invalidArgument("the input byte limit must be at least 1, got \(maxInputBytes)") }
    }

    /// The most tokens per sample for `tokenizer`: `maxSequenceLength`, else the tokenizer's
    /// `model_max_length`, else no limit (`Int.max`).
    func sequenceLength(for tokenizer: Tokenizer?) -> Int {
        maxSequenceLength ?? tokenizer?.modelMaxLength ?? .max
    }
}

/// How a plain text calibration file becomes samples.
public enum CalibrationTextSamples: String, CaseIterable, Sendable {
    /// Each line that is not blank is a sample (llm-compressor's `.txt` datasets).
    case lines
    /// The whole text, tokenized as one sequence, cut into windows of the maximum sequence length.
    case windows
}
