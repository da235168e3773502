import ArgumentParser

/// `compress`: the command-line face of swift-llm-compressor.
@main
struct Compress: ParsableCommand {
    /// The release, printed by `compress --version`; the one place it is written.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress Hugging Face checkpoints into the compressed-tensors format, offline and streaming.",
        discussion: """
            Typical use:
              compress inspect MODEL_DIR
              compress oneshot --model MODEL_DIR --recipe recipes/fp8_dynamic.yaml --output OUT_DIR

            Recipes are llm-compressor YAML recipes; the output loads in vLLM and transformers unchanged.
            """,
        version: version,
        subcommands: [OneshotCommand.self, ConvertCommand.self, InspectCommand.self, VerifyCommand.self, BenchCommand.self, EvalCommand.self,
                      GenerateCommand.self, TokenizeCommand.self, SamplesCommand.self, CUDACheckCommand.self])

    /// Runs the command, with the signal handlers in place first (`InterruptCleanup`).
    static func main() {
        InterruptCleanup.install()
        main(nil)
    }
}
