import Runtime

/// The calibration data of a `oneshot` run whose recipe needs it (static activation scales, a KV
/// cache scheme, SmoothQuant, GPTQ, AWQ).
public struct CalibrationInput: Sendable {
    /// Token ids of each sample, already tokenized for the model.
    public var samples: [[Int]]
    /// The dataset they were read from by `load(dataset:model:options:)`, which a run's output
    /// must not replace.
    public var file: String?
    /// What reading the dataset found; nil for samples given as they are.
    public var statistics: CalibrationData.Statistics?

    public init(samples: [[Int]], file: String? = nil, statistics: CalibrationData.Statistics? = nil) {
        self.samples = samples
        self.file = file
        self.statistics = statistics
    }

    /// Reads `dataset` (text, JSON Lines, or either compressed with zstd) and tokenizes it with
    /// the tokenizer in the folder `model` (see `CalibrationData`).
    public static func load(dataset: String, model: String,
                            options: CalibrationDataOptions = CalibrationDataOptions()) throws(ModifierError) -> CalibrationInput {
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer(path: model) } catch { throw .tokenizer(error) }
        do {
            let data = try CalibrationData.load(path: dataset, tokenizer: tokenizer, options: options)
            return CalibrationInput(samples: data.samples, file: dataset, statistics: data.statistics)
        } catch { throw .runtime(error) }
    }
}
