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

            Data-free schemes (FP8_DYNAMIC, W8A8, W4A16, NVFP4A16, ...) stream tensor by tensor. Recipes with static activation scales (FP8, NVFP4), a kv_cache_scheme, SmoothQuantModifier, GPTQModifier or AWQModifier need --dataset: the samples run through the model one decoder layer at a time, so memory holds one layer and the samples' activations. A dataset is read as text or JSON Lines by its name (.txt, .jsonl, optionally .zst), else by its content (JSON Lines when it starts with '{'), unless --dataset-format says which. The samples are chosen as llm-compressor 0.14 chooses them (see the README's Calibration section); compress samples prints the ones a run would use.

            The output is written to a hidden folder beside OUTPUT and renamed into place only when complete: a failed or interrupted run leaves nothing that looks like a checkpoint. OUTPUT is locked for the run, and unfinished outputs that killed runs left beside it are removed.

            A data-free run splits over processes by shards, balanced by bytes, with an output byte for byte that of one process: --part I/N (I from 1) writes part I's shards into .OUTPUT.parts beside OUTPUT, and --finish N, with the same model, recipe and options, checks that the N parts are all there and from the same plan, and moves the output into place. Under mpirun, Hydra (mpiexec) or srun, without --part or --finish, rank r writes part r+1 and rank 0 finishes once every part is written (--parts-timeout); no MPI library is needed, as the ranks meet in the parts folder, which must be on storage they share. A failed part makes the finish fail, naming its rank and host, and removes the parts. A recipe that calibrates, under mpirun (Open MPI, loaded at run time) or srun, calibrates data-parallel: each rank runs a contiguous part of the samples, the statistics are combined in rank order, and rank 0 writes the output; a failing rank is named with its host and ends every rank.

            A weight to quantize that holds NaN or Inf is refused, naming the tensor and row. With --allow-nonfinite, under a data-free scheme (recipes that calibrate still refuse it), it is quantized as llm-compressor does (torch.amax propagates NaN): a scale group (a row, block or group of columns; the whole tensor for per-tensor scales) holding NaN gets a NaN scale, one holding Inf an Inf scale, and only those groups change:
            - FP8: codes NaN under a NaN scale; under an Inf scale finite values 0, infinities NaN.
            - Integer: codes 0 under a NaN scale (zero point 0); under an Inf scale finite values get the zero point, infinities 0.
            - NVFP4: NaN in a weight or its fused siblings (q/k/v, gate/up) makes their global scale 1, Inf makes it 0 (all values 0); a group whose scale is NaN gets the NaN scale and zero values.
            - MX: a group holding NaN or Inf gets the NaN scale (255) and NaN values (zero for MXFP4).

            Examples:
              compress oneshot --model ./Llama-3.2-1B --recipe recipes/fp8_dynamic.yaml --output ./Llama-3.2-1B-FP8
              compress oneshot --model ./m --recipe r.yaml --output ./out --dry-run
              compress oneshot --model ./m --recipe r.yaml --output ./out --json
              compress oneshot --model ./m --recipe r.yaml --output ./out --part 2/3   (then: --finish 3)
              mpirun -np 3 compress oneshot --model ./m --recipe r.yaml --output ./out
              compress oneshot --model ./m --recipe recipes/w4a16_gptq.yaml --output ./out --dataset calib.jsonl.zst --num-calibration-samples 256 --max-seq-length 1024
            """)

    @OptionGroup var input: ModelOption

    @Option(help: "An llm-compressor recipe (YAML), e.g. recipes/fp8_dynamic.yaml.", completion: .file())
    var recipe: String

    @Option(help: "The folder to write. Must not exist, or be empty, unless --overwrite; never one holding an input.", completion: .directory)
    var output: String?

    @Option(help: ArgumentHelp(
        "Calibration data: .txt (a sample per line, or windows: --text-samples), .jsonl (an 'input_ids', 'text' or 'messages' field per line), or either compressed with zstd (.zst).",
        valueName: "file"), completion: .file())
    var dataset: String?

    @OptionGroup var data: CalibrationDataOption

    @Option(help: ArgumentHelp(
        "Calibrate every expert of a mixture-of-experts model on every token, the block's output still summing the routed experts' (true, as llm-compressor's moe_calibrate_all_experts), or each expert on the tokens routed to it (false: an expert that gets none is quantized from its weights alone).",
        valueName: "true|false"))
    var moeCalibrateAllExperts = true

    @Option(help: ArgumentHelp(
        "The dtype calibration's forward multiplies in, as the torch_dtype of the model llm-compressor calibrates: 'auto', the checkpoint's (linear layers stored in bf16 multiply their inputs rounded to bf16 by their bf16 weights, summing in f32, as PyTorch's bf16 model does, and GPTQ's Hessians take those rounded inputs; about twice as fast on CPUs with AVX512_BF16), or 'float32' (every product in f32, as a model loaded in float32: statistics differ from auto's within bf16 rounding). A float32 checkpoint multiplies in f32 either way.",
        valueName: "auto|float32"))
    var calibrationDtype: CalibrationDType = .auto

    @Option(help: "Largest shard to write, such as 5GB, 500MB or 2GiB.")
    var maxShardSize: String = "5GB"

    @OptionGroup var cores: ThreadsOption

    @OptionGroup var device: DeviceOption

    @Flag(help: "Print what would be done to each tensor, and the quantization_config, without writing.")
    var dryRun = false

    @Flag(help: "Quantize weights that hold NaN or Inf as llm-compressor does, instead of refusing them (see below).")
    var allowNonfinite = false

    @Flag(help: "Replace OUTPUT if it holds a compressed checkpoint (anything else is never replaced).")
    var overwrite = false

    @Flag(help: "Copy pickled weight files (pytorch_model.bin, *.pt, *.pth, *.ckpt, *.pkl) of MODEL into OUTPUT too; they are skipped by default, as they hold the unquantized weights again and run code when loaded.")
    var copyPickledWeights = false

    @Option(help: ArgumentHelp(
        "Write part I of N (I from 1) of a data-free run split over processes (CI matrix jobs, indexed jobs): the shards assigned to it, into a hidden folder beside OUTPUT; then run --finish N.",
        valueName: "I/N"))
    var part: String?

    @Option(help: ArgumentHelp("Finish OUTPUT from the N parts written with --part I/N, given the same model, recipe and options.", valueName: "N"))
    var finish: Int?

    @Option(help: "Under an MPI launcher (mpirun, srun): seconds rank 0 waits for the other ranks' parts after writing its own, and the other ranks wait for rank 0 to create the parts folder (they never create it, so that a rank starting or failing late leaves nothing behind).")
    var partsTimeout = 3600

    @OptionGroup var format: JSONOption

    @Flag(help: "No progress output (--json shows none either).")
    var quiet = false

    func validate() throws {
        try SplitMode.validate(part: part, finish: finish, partsTimeout: partsTimeout, dryRun: dryRun)
        guard ByteSize.parse(maxShardSize) != nil else {
            throw ValidationError("--max-shard-size '\(maxShardSize)' is not a size like 5GB, 500MB or 2GiB")
        }
        if data.datasetFormat != nil, dataset == nil { throw ValidationError("--dataset-format describes --dataset, which is not given") }
        guard dryRun || output != nil else { throw ValidationError("--output is required (or pass --dry-run)") }
    }

    func run() throws {
        let mode: SplitMode
        do { mode = try SplitMode.chosen(part: part, finish: finish, environment: ProcessInfo.processInfo.environment) } catch { throw fail(error) }
        let progress = ProgressReporter(enabled: !format.json && !quiet && mode.showsProgress)
        let model: String
        let plan: OneshotPlan
        do {
            model = try input.revision.resolve(input.model)
            let parsed = try Recipe.load(path: recipe)
            plan = try OneshotPlan(model: model, recipe: parsed, recipeFile: recipe)
            if mode != .single, !dryRun, !mode.calibrates(plan) { try plan.refuseSplitCalibration() }
        } catch {
            mode.failedEarly(error, output: output, partsTimeout: partsTimeout)
            throw fail(error)
        }
        if dryRun {
            printPlan(plan)
            return
        }
        let output = self.output!
        let ranks: MPIReducer?
        do { ranks = try CalibrationRanks.join(mode, plan: plan) } catch { throw fail(error) }
        // Under MPI ranks, a failure ends every rank.
        let failure = { (error: Error) -> ExitCode in
            if let ranks { CalibrationRanks.abort(ranks, error) }
            return fail(error)
        }
        var options = OneshotOptions(maxShardBytes: ByteSize.parse(maxShardSize)!, threads: cores.count,
                                     overwrite: overwrite, rejectNonFinite: !allowNonfinite, copyPickledWeights: copyPickledWeights,
                                     leftoversCleaned: { log(Formatting.leftovers($0)) })
        options.moeCalibrateAllExperts = moeCalibrateAllExperts
        options.calibrationDType = calibrationDtype
        options.calibrationWarning = { log("warning: \($0)") }
        options.reducer = ranks
        progress.step("oneshot: \(plan.checkpoint.tensors.count) tensors, \(plan.quantization.quantizedCount) to quantize (\(plan.formats.joined(separator: ", "))), \(Formatting.bytes(plan.checkpoint.storedBytes)) in, \(options.threads) threads")
        let unfinished = mode.unfinished(output)
        InterruptCleanup.protect(unfinished)
        // Past a file-size limit (ulimit -f) a write then fails with EFBIG, reported and cleaned up
        // like a full disk, instead of SIGXFSZ killing the process and leaving the output behind.
        signal(SIGXFSZ, SIG_IGN)
        TruncatedInputHandler.install(checkpoint: plan.checkpoint, destination: output, unfinished: unfinished)
        if plan.requiresCalibration {
            do { try device.requireModelBackend(localRank: mode.localRank) } catch { throw failure(error) }
        } else if try device.chosen != .cpu {
            log("warning: --device \(device.device) is not used: data-free schemes are quantized on the CPU, tensor by tensor")
        }
        if plan.requiresCalibration, let dataset {
            do { options.calibration = try CalibrationInput.load(dataset: dataset, model: model, options: data.options) } catch { throw failure(error) }
            let tokens = options.calibration!.samples.reduce(0) { $0 + $1.count }
            if options.calibration!.statistics?.stoppedAtInputLimit == true {
                log("warning: read only the first \(data.maxDatasetBytes) of \(dataset) (--max-dataset-bytes); the samples come from that part")
            }
            progress.step("calibration: \(options.calibration!.samples.count) samples, \(tokens) tokens from \(dataset)")
        } else if let dataset {
            log("warning: --dataset \(dataset) is not read: the recipe's schemes are data-free and need no calibration data")
        }
        let summary: OneshotSummary
        do {
            summary = try mode.run(plan, output: output, options: options, partsTimeout: partsTimeout, progress: progress.update)
        } catch { throw failure(error) }
        if let ranks {
            if ranks.rank == 0 { progress.step(CalibrationRanks.traffic(ranks)) }
            ranks.finish()
            if ranks.rank != 0 { return }
        }
        if mode.writesPartOnly {
            print(format.json ? JSONOutput.text(summary) : "wrote \(summary.shards) shard(s) of \(output) into \(summary.output) (\(Formatting.bytes(summary.bytesOut))) in \(Formatting.duration(summary.seconds))")
            return
        }
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

