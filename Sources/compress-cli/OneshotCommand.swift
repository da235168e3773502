import ArgumentParser
import Foundation
import LLMCompressor

/// `compress oneshot`: apply a recipe to a checkpoint and write a compressed-tensors checkpoint.
struct OneshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oneshot",
        abstract: "Quantize a checkpoint with an llm-compressor recipe, streaming tensor by tensor.",
        discussion: """
            Reads MODEL (config.json + *.safetensors), applies the recipe's modifiers and writes OUTPUT: shards in the compressed-tensors format, config.json with its quantization_config, recipe.yaml, and every other file of MODEL (tokenizer, generation config, ...) copied, except pickled weights (pytorch_model.bin, *.pt, *.pth, *.ckpt, *.pkl) unless --copy-pickled-weights. Missing parent folders of OUTPUT are created.

            Data-free schemes (FP8_DYNAMIC, W8A8, W4A16, NVFP4A16, ...) stream tensor by tensor. Recipes with static activation scales (FP8, NVFP4), a kv_cache_scheme, SmoothQuantModifier, GPTQModifier or AWQModifier need --dataset: the samples run through the model one decoder layer at a time, so memory holds one layer and the samples' activations. A dataset is read as text or JSON Lines by its name (.txt, .jsonl, optionally .zst), else by its content (JSON Lines when it starts with '{'), unless --dataset-format says which.

            The output is written to a hidden folder beside OUTPUT and renamed into place only when complete: a failed or interrupted run leaves nothing that looks like a checkpoint. OUTPUT is locked for the run, and unfinished outputs that killed runs left beside it are removed.

            A weight to quantize that holds NaN or Inf is refused, naming the tensor and row. With --allow-nonfinite, under a data-free scheme (recipes that calibrate still refuse it), it is quantized as llm-compressor does (torch.amax propagates NaN): a scale group (a row, block or group of columns; the whole tensor for per-tensor scales) holding NaN gets a NaN scale, one holding Inf an Inf scale, and only those groups change:
            - FP8: codes NaN under a NaN scale; under an Inf scale finite values 0, infinities NaN.
            - Integer: codes 0 under a NaN scale (zero point 0); under an Inf scale finite values get the zero point, infinities 0.
            - NVFP4: NaN in a weight or its fused siblings (q/k/v, gate/up) makes their global scale 1, Inf makes it 0 (all values 0); a group whose scale is NaN gets the NaN scale and zero values.
            - MX: a group holding NaN or Inf gets the NaN scale (255) and NaN values (zero for MXFP4).

            Examples:
              compress oneshot --model ./Llama-3.2-1B --recipe recipes/fp8_dynamic.yaml --output ./Llama-3.2-1B-FP8
              compress oneshot --model ./m --recipe r.yaml --output ./out --dry-run
              compress oneshot --model ./m --recipe r.yaml --output ./out --json
              compress oneshot --model ./m --recipe recipes/w4a16_gptq.yaml --output ./out --dataset calib.jsonl.zst --num-calibration-samples 256 --max-seq-length 1024
            """)

    @OptionGroup var input: ModelOption

    @Option(help: "An llm-compressor recipe (YAML), e.g. recipes/fp8_dynamic.yaml.", completion: .file())
    var recipe: String

    @Option(help: "The folder to write. Must not exist, or be empty, unless --overwrite; never one holding an input.", completion: .directory)
    var output: String?

    @Option(help: ArgumentHelp(
        "Calibration data: .txt (cut into windows of --max-seq-length tokens), .jsonl (a 'text' or 'messages' field per line), or either compressed with zstd (.zst).",
        valueName: "file"), completion: .file())
    var dataset: String?

    @Option(help: "What --dataset holds, for a file whose name does not tell (default: told by the name, else by the content).")
    var datasetFormat: CalibrationDataFormat?

    @Option(help: "Calibration samples to use, chosen at random with --seed.")
    var numCalibrationSamples = 512

    @Option(help: "Tokens per calibration sample, at most.")
    var maxSeqLength = 2048

    @Option(help: "Seed of the calibration sample choice.")
    var seed: UInt64 = 42

    @Flag(help: "Take the first calibration samples in file order instead of a random choice.")
    var noShuffle = false

    @Option(help: ArgumentHelp(
        "Read at most this much of the dataset (after decompression), such as 1GiB or 200MB. The random choice reads all of it up to this; --no-shuffle stops once enough samples are read.",
        valueName: "size"))
    var maxDatasetBytes = "1GiB"

    @Option(help: "Largest shard to write, such as 5GB, 500MB or 2GiB.")
    var maxShardSize: String = "5GB"

    @OptionGroup var cores: ThreadsOption

    @Flag(help: "Print what would be done to each tensor, and the quantization_config, without writing.")
    var dryRun = false

    @Flag(help: "Quantize weights that hold NaN or Inf as llm-compressor does, instead of refusing them (see below).")
    var allowNonfinite = false

    @Flag(help: "Replace OUTPUT if it holds a compressed checkpoint (anything else is never replaced).")
    var overwrite = false

    @Flag(help: "Copy pickled weight files (pytorch_model.bin, *.pt, *.pth, *.ckpt, *.pkl) of MODEL into OUTPUT too; they are skipped by default, as they hold the unquantized weights again and run code when loaded.")
    var copyPickledWeights = false

    @OptionGroup var format: JSONOption

    @Flag(help: "No progress output (--json shows none either).")
    var quiet = false

    func validate() throws {
        guard ByteSize.parse(maxShardSize) != nil else {
            throw ValidationError("--max-shard-size '\(maxShardSize)' is not a size like 5GB, 500MB or 2GiB")
        }
        if datasetFormat != nil, dataset == nil { throw ValidationError("--dataset-format describes --dataset, which is not given") }
        guard dryRun || output != nil else { throw ValidationError("--output is required (or pass --dry-run)") }
        guard numCalibrationSamples >= 1 else { throw ValidationError("--num-calibration-samples must be at least 1") }
        guard maxSeqLength >= 1 else { throw ValidationError("--max-seq-length must be at least 1") }
        guard let bytes = ByteSize.parse(maxDatasetBytes), bytes >= 1 else {
            throw ValidationError("--max-dataset-bytes '\(maxDatasetBytes)' is not a size like 1GiB or 200MB")
        }
    }

    func run() throws {
        let model = try input.folder()
        let progress = ProgressReporter(enabled: !format.json && !quiet)
        let plan: OneshotPlan
        do {
            let parsed = try Recipe.load(path: recipe)
            plan = try OneshotPlan(model: model, recipe: parsed, recipeFile: recipe)
        } catch { throw fail(error) }
        if dryRun {
            printPlan(plan)
            return
        }
        let output = self.output!
        var options = OneshotOptions(maxShardBytes: ByteSize.parse(maxShardSize)!, threads: cores.count,
                                     overwrite: overwrite, rejectNonFinite: !allowNonfinite, copyPickledWeights: copyPickledWeights,
                                     leftoversCleaned: { log(Formatting.leftovers($0)) })
        progress.step("oneshot: \(plan.checkpoint.tensors.count) tensors, \(plan.quantization.quantizedCount) to quantize (\(plan.formats.joined(separator: ", "))), \(Formatting.bytes(plan.checkpoint.totalBytes)) in, \(options.threads) threads")
        let unfinished = UnfinishedOutput(destination: output)
        InterruptCleanup.protect(unfinished)
        // Past a file-size limit (ulimit -f) a write then fails with EFBIG, reported and cleaned up
        // like a full disk, instead of SIGXFSZ killing the process and leaving the output behind.
        signal(SIGXFSZ, SIG_IGN)
        TruncatedInputHandler.install(checkpoint: plan.checkpoint, destination: output, unfinished: unfinished)
        if plan.requiresCalibration, let dataset {
            let data = CalibrationDataOptions(sampleCount: numCalibrationSamples, maxSequenceLength: maxSeqLength, seed: seed,
                                              shuffle: !noShuffle, maxInputBytes: ByteSize.parse(maxDatasetBytes)!,
                                              format: datasetFormat)
            do { options.calibration = try CalibrationInput.load(dataset: dataset, model: model, options: data) } catch { throw fail(error) }
            let tokens = options.calibration!.samples.reduce(0) { $0 + $1.count }
            if options.calibration!.statistics?.stoppedAtInputLimit == true {
                log("warning: read only the first \(maxDatasetBytes) of \(dataset) (--max-dataset-bytes); the samples come from that part")
            }
            progress.step("calibration: \(options.calibration!.samples.count) samples, \(tokens) tokens from \(dataset)")
        } else if let dataset {
            log("warning: --dataset \(dataset) is not read: the recipe's schemes are data-free and need no calibration data")
        }
        let summary: OneshotSummary
        do {
            summary = try Compressor.run(plan, output: output, options: options, progress: progress.update)
        } catch { throw fail(error) }
        if !summary.filesSkipped.isEmpty {
            log("note: not copied: \(summary.filesSkipped.joined(separator: ", ")) (pickled weights; --copy-pickled-weights copies them)")
        }
        if format.json {
            print(JSONOutput.text(summary))
        } else {
            print("wrote \(summary.output): \(summary.tensorsQuantized) tensors quantized, \(summary.tensorsCopied) copied, \(summary.shards) shard(s), \(summary.filesCopied.count) other files copied")
            print("\(Formatting.bytes(summary.bytesIn)) -> \(Formatting.bytes(summary.bytesOut)) (\(String(format: "%.2f", summary.compressionRatio))x) in \(Formatting.duration(summary.seconds))")
        }
    }

    private func printPlan(_ plan: OneshotPlan) {
        if format.json {
            print(JSONOutput.text(plan.dryRunJSON))
            return
        }
        for entry in plan.quantization.entries {
            let info = entry.tensor.info
            let action: String
            switch entry.action {
            case .copy: action = "copy"
            case let .quantize(group): action = "quantize \(plan.quantization.groups[group].name) (\(plan.formats[group]))"
            }
            print("\(info.name)\t\(info.dtype.rawValue)\t\(info.shape)\t\(entry.kind.rawValue)\t\(action)")
        }
        print("quantization_config:")
        print(JSONWriter.pretty(plan.quantizationConfig))
    }
}

extension CalibrationDataFormat: ExpressibleByArgument {}
