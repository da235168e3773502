import ArgumentParser
import Foundation
import LLMCompressor

/// `compress bench`: time and peak memory of `oneshot` on a model, over several runs.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure oneshot: wall time, throughput and peak resident memory.",
        discussion: """
            Runs oneshot --runs times into a temporary folder (emptied before each run, outside the timing, and removed afterwards) and reports the best and median wall time, input GB/s and the process's peak RSS. The first run warms the page cache. Without --recipe, the recipe is FP8_DYNAMIC on every Linear layer but lm_head (as recipes/fp8_dynamic.yaml), built in.
            """)

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

    @Option(help: "Folder for the temporary output (default: the system's temporary folder).", completion: .directory)
    var scratch: String?

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

    func run() throws {
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
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let sorted = times.sorted()
        let result = Result(model: model, recipe: recipe ?? Self.builtInRecipeName, threads: threads, bytesIn: last!.bytesIn, bytesOut: last!.bytesOut,
                            seconds: times, bestSeconds: sorted[0], medianSeconds: sorted[sorted.count / 2],
                            gigabytesPerSecond: Double(last!.bytesIn) / sorted[0] / 1e9, peakRSSBytes: usage.ru_maxrss * 1024)
        if format.json {
            print(JSONOutput.text(result))
        } else {
            print("oneshot \(result.recipe) on \(model), \(threads) threads, \(times.count) runs")
            print("  in \(Formatting.bytes(result.bytesIn)) -> out \(Formatting.bytes(result.bytesOut))")
            print("  best \(Formatting.duration(result.bestSeconds)), median \(Formatting.duration(result.medianSeconds)) (\(String(format: "%.2f", result.gigabytesPerSecond)) GB/s of input)")
            print("  peak RSS \(Formatting.bytes(result.peakRSSBytes))")
        }
    }
}
