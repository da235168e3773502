/// How calibration samples are drawn from a data file.
public struct CalibrationDataOptions: Sendable, Equatable {
    /// The most samples kept (llm-compressor's `num_calibration_samples`).
    public var sampleCount: Int
    /// The most tokens per sample (llm-compressor's `max_seq_length`).
    public var maxSequenceLength: Int
    /// The seed of the shuffle. 42 is the seed llm-compressor's examples shuffle their datasets with.
    public var seed: UInt64
    /// Draw the samples at random from the whole file (llm-compressor's
    /// `shuffle_calibration_samples`); without it, the first `sampleCount` in file order are kept.
    public var shuffle: Bool
    /// The most (decompressed) bytes read: a larger file is read up to the last line break before
    /// this, and `CalibrationData.Statistics.stoppedAtInputLimit` says so. It bounds the time
    /// spent on a huge or hostile file (such as a small `.zst` that expands to gigabytes); memory
    /// does not grow with the file's size. Without shuffling, reading stops sooner, as soon as
    /// `sampleCount` samples are read; shuffled, every sample must have its chance, so all of
    /// the file up to this limit is read (and a text's windows all tokenized).
    public var maxInputBytes: Int
    /// What the file holds; nil to tell it by the file's name (`.txt`, `.jsonl`, optionally
    /// `.zst`), or for other names by its content.
    public var format: CalibrationDataFormat?

    public init(sampleCount: Int = 512, maxSequenceLength: Int = 2048, seed: UInt64 = 42, shuffle: Bool = true,
                maxInputBytes: Int = 1 << 30, format: CalibrationDataFormat? = nil) {
        self.format = format
        self.sampleCount = sampleCount
        self.maxSequenceLength = maxSequenceLength
        self.seed = seed
        self.shuffle = shuffle
        self.maxInputBytes = maxInputBytes
    }

    /// Refuses counts and lengths below 1.
    func validate() throws(RuntimeError) {
        guard sampleCount >= 1 else { throw .invalidArgument("the number of calibration samples must be at least 1, got \(sampleCount)") }
        guard maxSequenceLength >= 1 else { throw .invalidArgument("the maximum sequence length must be at least 1, got \(maxSequenceLength)") }
        guard maxInputBytes >= 1 else { throw .invalidArgument("the input byte limit must be at least 1, got \(maxInputBytes)") }
    }
}
