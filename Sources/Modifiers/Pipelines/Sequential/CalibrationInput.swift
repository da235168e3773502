import Checkpoint
import Foundation
import Runtime
import Tokenizers

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
    /// the tokenizer in the folder `model` (see `CalibrationData`). A model folder without
    /// tokenizer.json takes JSON Lines of `input_ids` records only, each id below its config's
    /// `vocab_size`.
    public static func load(dataset: String, model: String,
                            options: CalibrationDataOptions = CalibrationDataOptions()) throws(ModifierError) -> CalibrationInput {
        var tokenizer: Tokenizer?
        if FileManager.default.fileExists(atPath: (model as NSString).appendingPathComponent("tokenizer.json")) {
            do { tokenizer = try Tokenizer(path: model) } catch { throw .tokenizer(error) }
        }
        // Without a tokenizer, token ids are bounded by the model's vocabulary.
        let vocabularySize = tokenizer != nil ? nil
            : (try? ModelConfig(path: (model as NSString).appendingPathComponent(ModelConfig.fileName)))?.json["vocab_size"]?.integerValue.map(Int.init)
        do {
            let data = try CalibrationData.load(path: dataset, tokenizer: tokenizer, vocabularySize: vocabularySize, options: options)
            return CalibrationInput(samples: data.samples, file: dataset, statistics: data.statistics)
        } catch { throw .tokenizer(error) }
    }
}
