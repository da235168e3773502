import ArgumentParser
import LLMCompressor

/// The options that choose calibration samples from `--dataset`, shared by `oneshot` and
/// `samples`; named and defaulted as llm-compressor 0.14's `oneshot` arguments.
struct CalibrationDataOption: ParsableArguments {
    @Option(help: "What --dataset holds, for a file whose name does not tell (default: told by the name, else by the content).")
    var datasetFormat: CalibrationDataFormat?

    @Option(help: ArgumentHelp(
        "How a .txt dataset becomes samples: 'lines' (each line that is not blank, as llm-compressor's text loader reads a .txt) or 'windows' (the whole text cut into windows of --max-seq-length tokens).",
        valueName: "lines|windows"))
    var textSamples: CalibrationTextSamples = .lines

    @Option(help: "Calibration samples to use (llm-compressor's num_calibration_samples).")
    var numCalibrationSamples = 512

    @Option(help: ArgumentHelp(
        "Tokens per calibration sample, at most (llm-compressor's max_seq_length; default: the tokenizer's model_max_length, else no limit).",
        valueName: "tokens"))
    var maxSeqLength: Int?

    @Option(help: "Seed of the shuffle, as Hugging Face datasets' Dataset.shuffle(seed=...) draws it.")
    var seed: UInt64 = 42

    @Flag(help: "Take the first calibration samples in file order instead of the first ones of the seeded shuffle.")
    var noShuffle = false

    @Option(help: ArgumentHelp(
        "Read at most this much of the dataset (after decompression), such as 1GiB or 200MB. The shuffle counts the samples of all of it up to this; --no-shuffle stops once enough samples are read.",
        valueName: "size"))
    var maxDatasetBytes = "1GiB"

    func validate() throws {
        guard numCalibrationSamples >= 1 else { throw ValidationError("--num-calibration-samples must be at least 1") }
        if let maxSeqLength, maxSeqLength < 1 { throw ValidationError("--max-seq-length must be at least 1") }
        guard let bytes = ByteSize.parse(maxDatasetBytes), bytes >= 1 else {
            throw ValidationError("--max-dataset-bytes '\(maxDatasetBytes)' is not a size like 1GiB or 200MB")
        }
    }

    /// The options as the library takes them (after `validate`).
    var options: CalibrationDataOptions {
        CalibrationDataOptions(sampleCount: numCalibrationSamples, maxSequenceLength: maxSeqLength, seed: seed, shuffle: !noShuffle,
                               maxInputBytes: ByteSize.parse(maxDatasetBytes) ?? 1 << 30, format: datasetFormat, textSamples: textSamples)
    }
}

extension CalibrationDataFormat: ExpressibleByArgument {}
extension CalibrationTextSamples: ExpressibleByArgument {}
