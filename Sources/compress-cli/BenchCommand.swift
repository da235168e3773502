import ArgumentParser
import Foundation
import LLMCompressor

/// `compress bench`: time and peak memory of `oneshot` on a model, over several runs; or the
/// runtime's speed scoring (`--mode eval`) or generating (`--mode generate`) with it.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure oneshot (wall time, throughput, peak resident memory) or the runtime's tokens/s.",
        discussion: """
            Runs oneshot --runs times into a temporary folder (emptied before each run, outside the timing, and removed afterwards) and reports the best and median wall time, input GB/s and the process's peak RSS. The first run warms the page cache. Without --recipe, the recipe is FP8_DYNAMIC on every Linear layer but lm_head (as recipes/fp8_dynamic.yaml), built in.
            --mode eval loads the model once and scores --windows windows of --context tokens of --text (as compress eval, counting the tokens --scored-tokens names) --runs times; --mode generate continues --prompt greedily by --max-tokens tokens (as compress generate) --runs times. Both report the best and median tokens/s, the kernel path (avx512, avx2 or portable: the best this CPU runs, or the one COMPRESS_KERNELS names) and the load average when they end.
            """)

    /// What is measured.
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case oneshot, eval, generate
    }

    /// The recipe used without `--recipe`: FP8_DYNAMIC, as recipes/fp8_dynamic.yaml.
    static let builtInRecipe = """
        default_stage:
          default_modifiers:
            QuantizationModifier:
              targets: [Linear]
              scheme: FP8_DYNAMIC
              ignore: [lm_head]
        """
    static let builtInRecipeName = "built-in FP8_DYNAMIC"

    @OptionGroup var input: ModelOption

    @Option(help: "The recipe (default: FP8_DYNAMIC, built in).", completion: .file())
    var recipe: String?

    @Option(help: "Number of timed runs.")
    var runs: Int = 3

    @OptionGroup var cores: ThreadsOption

    @OptionGroup var products: ComputeDTypeOption

    @OptionGroup var scored: ScoredTokensOption

    @Option(help: "Folder for the temporary output (default: the system's temporary folder).", completion: .directory)
    var scratch: String?

    @Option(help: "What to measure: oneshot, eval (scoring tokens/s) or generate (decoding tokens/s).")
    var mode: Mode = .oneshot

    @Option(help: "With --mode eval, the text file to score.", completion: .file())
    var text: String?

    @Option(help: "With --mode eval, tokens per window.")
    var context = 512

    @Option(help: "With --mode eval, windows scored per run.")
    var windows = 8

    @Option(help: "With --mode generate, the prompt text.")
    var prompt = "The GNU General Public License is"

    @Option(name: .customLong("max-tokens"), help: "With --mode generate, new tokens per run (greedy; an end-of-sequence token does not stop it).")
    var maxTokens = 64

    @OptionGroup var format: JSONOption

    struct Result: Codable {
        let model: String
        let recipe: String
        let threads: Int
        let bytesIn: Int
        let bytesOut: Int
        let seconds: [Double]
        let bestSeconds: Double
        let medianSeconds: Double
        let gigabytesPerSecond: Double
        let peakRSSBytes: Int
    }

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        if mode != .eval, scored.scoredTokens != .allButFirst { throw ValidationError("--scored-tokens needs --mode eval") }
        switch mode {
        case .oneshot:
            guard text == nil else { throw ValidationError("--text needs --mode eval") }
        case .eval:
            guard text != nil else { throw ValidationError("--mode eval needs --text") }
            guard context >= scored.scoredTokens.smallestContext, windows >= 1 else {
                throw ValidationError("--context must be at least 2 (3 for --scored-tokens second-half) and --windows at least 1")
            }
        case .generate:
            guard maxTokens >= 2 else { throw ValidationError("--max-tokens must be at least 2 (the first new token comes from the prompt's pass)") }
        }
        if recipe != nil, mode != .oneshot { throw ValidationError("--recipe needs --mode oneshot") }
        if !products.isDefault, mode == .oneshot { throw ValidationError("--dtype and --matmul-precision need --mode eval or --mode generate") }
    }

    func run() throws {
        guard mode == .oneshot else { return try runRuntime() }
        let model = try input.folder()
        let output = ((scratch ?? NSTemporaryDirectory()) as NSString).appendingPathComponent("compress-bench-\(getpid())")
        InterruptCleanup.protect(UnfinishedOutput(destination: output, scratch: true))
        defer { try? FileManager.default.removeItem(atPath: output) }
        let threads = cores.count
        var times: [Double] = []
        var last: OneshotSummary? = nil
        do {
            let parsed = try recipe.map { try Recipe.load(path: $0) } ?? Recipe.parse(yaml: Self.builtInRecipe, file: Self.builtInRecipeName)
            for _ in 0..<max(1, runs) {
                try? FileManager.default.removeItem(atPath: output)
                let started = Date()
                last = try Compressor.run(model: model, recipe: parsed, output: output, options: OneshotOptions(threads: threads))
                times.append(Date().timeIntervalSince(started))
            }
        } catch { throw fail(error) }
        let sorted = times.sorted()
        let result = Result(model: model, recipe: recipe ?? Self.builtInRecipeName, threads: threads, bytesIn: last!.bytesIn, bytesOut: last!.bytesOut,
                            seconds: times, bestSeconds: sorted[0], medianSeconds: sorted[sorted.count / 2],
                            gigabytesPerSecond: Double(last!.bytesIn) / sorted[0] / 1e9, peakRSSBytes: Self.peakRSSBytes())
        if format.json {
            print(JSONOutput.text(result))
        } else {
            print("oneshot \(result.recipe) on \(model), \(threads) threads, \(times.count) runs")
            print("  in \(Formatting.bytes(result.bytesIn)) -> out \(Formatting.bytes(result.bytesOut))")
            print("  best \(Formatting.duration(result.bestSeconds)), median \(Formatting.duration(result.medianSeconds)) (\(String(format: "%.2f", result.gigabytesPerSecond)) GB/s of input)")
            print("  peak RSS \(Formatting.bytes(result.peakRSSBytes))")
        }
    }

    /// This process's peak resident set so far.
    static func peakRSSBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }
}
