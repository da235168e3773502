import ArgumentParser
import Runtime

/// `--scored-tokens`, for the commands that measure perplexity: which tokens of each window count.
struct ScoredTokensOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Which tokens of each window count: all-but-first (every token but the window's first) or second-half (the tokens from position context/2 + 1 on, as llama.cpp's llama-perplexity counts them, so that its numbers compare; the output head then runs on the positions that predict them only).",
        valueName: "all-but-first|second-half"))
    var scoredTokens: ScoredTokens = .allButFirst
}

extension ScoredTokens: ExpressibleByArgument {}
