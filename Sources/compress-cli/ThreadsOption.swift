import ArgumentParser
import LLMCompressor

/// `--threads`, for the commands that spread their work over the cores.
struct ThreadsOption: ParsableArguments {
    @Option(help: "Threads to use (default: all cores).")
    var threads: Int?

    /// `--threads`, else every core.
    var count: Int { threads ?? OneshotOptions.coreCount }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}
