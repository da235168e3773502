import Foundation
import LLMCompressor

/// The options of `llmc_oneshot`, read from its JSON: llm-compressor's `oneshot` keywords.
struct OneshotRequest {
    static let keys: Set<String> = [
        "model", "recipe", "recipe_yaml", "output_dir", "dataset", "calibration_samples", "tokenizer",
        "num_calibration_samples", "max_seq_length", "shuffle_calibration_samples", "seed", "text_samples",
        "overwrite", "threads", "max_shard_size", "allow_nonfinite", "moe_calibrate_all_experts",
        "calibration_dtype",
    ]

    /// Where the recipe comes from: a YAML file, or YAML text.
    enum RecipeSource: Equatable {
        case file(String)
        case yaml(String)
    }

    /// Where calibration samples come from.
    enum Calibration: Equatable {
        /// A dataset file as `compress oneshot --dataset` takes it.
        case file(String)
        /// Token ids: the first `num_calibration_samples` lists, in the order given (they are not
        /// shuffled), each cut to `max_seq_length` ids.
        case tokens([[Int]])
    }

    let model: String
    let recipe: RecipeSource
    let output: String
    let calibration: Calibration?
    /// The folder (or tokenizer.json) that tokenizes a dataset file; the model folder by default.
    let tokenizer: String?
    let dataOptions: CalibrationDataOptions
    let options: OneshotOptions

    init(_ json: UnsafePointer<CChar>?) throws(CABIError) {
        let request = try RequestOptions(json, call: "oneshot", keys: Self.keys)
        model = try request.requiredString("model")
        output = try request.requiredString("output_dir")
        switch (try request.string("recipe"), try request.string("recipe_yaml")) {
        case let (path?, nil): recipe = .file(path)
        case let (nil, text?): recipe = .yaml(text)
        default: throw .badOptions("oneshot: give the recipe as 'recipe' (a YAML file) or 'recipe_yaml' (YAML text), one of them")
        }
        switch (try request.string("dataset"), try Self.tokenLists(request)) {
        case (nil, nil): calibration = nil
        case let (path?, nil): calibration = .file(path)
        case let (nil, samples?): calibration = .tokens(samples)
        default: throw .badOptions("oneshot: give calibration data as 'dataset' (a file) or 'calibration_samples' (token ids), not both")
        }
        tokenizer = try request.string("tokenizer")
        let defaults = CalibrationDataOptions()
        dataOptions = CalibrationDataOptions(
            sampleCount: try request.integer("num_calibration_samples", minimum: 1) ?? defaults.sampleCount,
            maxSequenceLength: try request.integer("max_seq_length", minimum: 1) ?? defaults.maxSequenceLength,
            seed: UInt64(try request.integer("seed", minimum: 0) ?? Int(defaults.seed)),
            shuffle: try request.bool("shuffle_calibration_samples") ?? defaults.shuffle,
            textSamples: try Self.textSamples(request) ?? defaults.textSamples)
        var options = OneshotOptions(threads: try request.integer("threads", minimum: 1) ?? OneshotOptions.coreCount,
                                     overwrite: try request.bool("overwrite") ?? false,
                                     rejectNonFinite: !(try request.bool("allow_nonfinite") ?? false))
        options.maxShardBytes = try Self.shardSize(request) ?? options.maxShardBytes
        options.moeCalibrateAllExperts = try request.bool("moe_calibrate_all_experts") ?? true
        options.calibrationDType = try Self.calibrationDType(request) ?? options.calibrationDType
        self.options = options
    }

    /// `calibration_dtype`: "auto" or "float32".
    private static func calibrationDType(_ request: RequestOptions) throws(CABIError) -> CalibrationDType? {
        guard let text = try request.string("calibration_dtype") else { return nil }
        guard let value = CalibrationDType(rawValue: text) else {
            throw .badOptions("oneshot: calibration_dtype '\(text)' is not one of \(CalibrationDType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// `text_samples`: "lines" or "windows".
    private static func textSamples(_ request: RequestOptions) throws(CABIError) -> CalibrationTextSamples? {
        guard let text = try request.string("text_samples") else { return nil }
        guard let value = CalibrationTextSamples(rawValue: text) else {
            throw .badOptions("oneshot: text_samples '\(text)' is not one of \(CalibrationTextSamples.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// `max_shard_size`: bytes, or a size such as "5GB".
    private static func shardSize(_ request: RequestOptions) throws(CABIError) -> Int? {
        guard let value = request.value("max_shard_size") else { return nil }
        if let text = value.stringValue {
            guard let bytes = ByteSize.parse(text) else { throw .badOptions("oneshot: max_shard_size '\(text)' is not a size like 5GB, 500MB or 2GiB") }
            return bytes
        }
        return try request.integer("max_shard_size", minimum: 1)
    }

    /// `calibration_samples`: a list of lists of token ids.
    private static func tokenLists(_ request: RequestOptions) throws(CABIError) -> [[Int]]? {
        guard let value = request.value("calibration_samples") else { return nil }
        guard let lists = value.arrayValue else { throw request.wrongKind("calibration_samples", value, expected: "a list of lists of token ids") }
        var samples: [[Int]] = []
        for (index, list) in lists.enumerated() {
            guard let ids = list.arrayValue, !ids.isEmpty else {
                throw .badOptions("oneshot: calibration_samples[\(index)] must be a non-empty list of token ids")
            }
            var sample: [Int] = []
            sample.reserveCapacity(ids.count)
            for id in ids {
                guard let id = id.integerValue, id >= 0 else {
                    throw .badOptions("oneshot: calibration_samples[\(index)] holds \(id.kindName == "a number" ? "a negative or non-integer number" : id.kindName); token ids are integers from 0")
                }
                sample.append(Int(id))
            }
            samples.append(sample)
        }
        guard !samples.isEmpty else { throw .badOptions("oneshot: calibration_samples is empty") }
        return samples
    }

    /// Runs the request on the checkpoint folder `model`, or with `memory`, on those tensors and
    /// the other files (config.json ...) of the folder `model`.
    func run(memory: [MemoryTensor]? = nil, cancellation: CancellationFlag?,
             progress: @escaping (OneshotProgress) -> Void) throws(CABIError) -> OneshotSummary {
        do {
            let recipeFile: String
            let parsed: Recipe
            switch recipe {
            case let .file(path):
                recipeFile = path
                parsed = try Recipe.load(path: path)
            case let .yaml(text):
                recipeFile = "recipe"
                parsed = try Recipe.parse(yaml: text, file: recipeFile)
            }
            let plan: OneshotPlan
            if let memory {
                let checkpoint: Checkpoint
                do { checkpoint = try Checkpoint(directory: model, memory: memory) } catch { throw ModifierError.checkpoint(error) }
                plan = try OneshotPlan(checkpoint: checkpoint, recipe: parsed, recipeFile: recipeFile)
            } else {
                plan = try OneshotPlan(model: model, recipe: parsed, recipeFile: recipeFile)
            }
            var options = self.options
            options.cancellation = cancellation
            if plan.requiresCalibration { options.calibration = try calibrationInput() }
            try cancellation?.check()
            return try Compressor.run(plan, output: output, options: options, progress: progress)
        } catch {
            throw CABIError.from(error)
        }
    }

    /// The calibration samples the request gives, tokenized where they come from a file; nil
    /// without any (the run then fails, naming what needs them).
    private func calibrationInput() throws -> CalibrationInput? {
        switch calibration {
        case nil:
            return nil
        case let .tokens(samples):
            return CalibrationInput(samples: samples.prefix(dataOptions.sampleCount).map { Array($0.prefix(dataOptions.maxSequenceLength ?? .max)) })
        case let .file(path):
            guard let tokenizer else { return try CalibrationInput.load(dataset: path, model: model, options: dataOptions) }
            let loaded: Tokenizer
            do { loaded = try Tokenizer(path: tokenizer) } catch { throw ModifierError.tokenizer(error) }
            do {
                return CalibrationInput(samples: try CalibrationData.load(path: path, tokenizer: loaded, options: dataOptions).samples, file: path)
            } catch { throw ModifierError.tokenizer(error) }
        }
    }
}
