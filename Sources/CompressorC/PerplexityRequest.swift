import LLMCompressor

/// `llmc_perplexity`: `compress eval` on a text given in the options.
enum PerplexityRequest {
    static let keys: Set<String> = ["model", "text", "context", "windows", "threads", "scored_tokens", "matmul_precision"]

    /// Tokenizes `text` with the model's tokenizer (no special tokens) and scores its windows.
    /// `cancellation` is checked before the model loads and before scoring starts; the windows,
    /// once started, run to the end.
    static func run(_ json: UnsafePointer<CChar>?, cancellation: CancellationFlag?,
                    progress: @escaping (Int, Int) -> Void) throws(CABIError) -> JSONValue {
        let request = try RequestOptions(json, call: "perplexity", keys: keys)
        let model = try request.requiredString("model")
        let text = try request.requiredString("text")
        let context = try request.integer("context", minimum: 2) ?? 512
        let windows = try request.integer("windows", minimum: 1)
        let threads = try request.integer("threads", minimum: 1)
        let scored = try request.choice("scored_tokens", of: ScoredTokens.self) ?? .allButFirst
        let precision = try request.choice("matmul_precision", of: MatmulPrecision.self) ?? .high
        if context < scored.smallestContext {
            throw .badOptions("perplexity: the option 'context' must be at least \(scored.smallestContext) to score \(scored.rawValue), got \(context)")
        }
        do {
            let ids = try Tokenizer(path: model).encode(text, addSpecialTokens: false)
            try cancellation?.check()
            let products = ComputeDType.float32.bf16Products(at: precision)
            let loaded = try DecoderModel(directory: model, threads: threads, bf16Products: products)
            try cancellation?.check()
            let report = try Perplexity.evaluate(model: loaded, tokens: ids, context: context, windows: windows, scored: scored,
                                                 progress: progress)
            return .object(JSONObject([
                ("model", .string(model)), ("text_tokens", .integer(Int64(ids.count))), ("context", .integer(Int64(report.context))),
                ("windows", .integer(Int64(report.windows))), ("scored", .string(report.scored.rawValue)),
                ("scored_tokens", .integer(Int64(report.scoredTokens))),
                ("mean_negative_log_likelihood", .double(report.meanNegativeLogLikelihood)), ("perplexity", .double(report.perplexity)),
                ("seconds", .double(report.seconds)), ("tokens_per_second", .double(report.tokensPerSecond)),
                ("threads", .integer(Int64(ComputeThreads.current))), ("products", .string(products.nameOnThisCPU)),
            ]))
        } catch {
            throw CABIError.from(error)
        }
    }
}
