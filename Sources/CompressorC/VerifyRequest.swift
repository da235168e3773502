import LLMCompressor

/// `llmc_verify`: `compress verify` as a call. Its result is the `--json` report.
enum VerifyRequest {
    static let keys: Set<String> = ["path", "against", "max_relative_rms", "max_abs_error", "threads"]

    /// Verifies the checkpoint the options name; problems found are in the report, and only an
    /// unreadable checkpoint (or original) is an error.
    static func run(_ json: UnsafePointer<CChar>?) throws(CABIError) -> JSONValue {
        let request = try RequestOptions(json, call: "verify", keys: keys)
        let path = try request.requiredString("path")
        let against = try request.string("against")
        var options = VerificationOptions()
        if let limit = try request.nonNegativeNumber("max_relative_rms") { options.maxRelativeRMSError = limit }
        options.maxAbsError = try request.nonNegativeNumber("max_abs_error")
        if let threads = try request.integer("threads", minimum: 1) { options.threads = threads }
        guard against != nil || (request.value("max_relative_rms") == nil && options.maxAbsError == nil) else {
            throw .badOptions("verify: max_relative_rms and max_abs_error limit the errors measured against the original: pass 'against' too")
        }
        do { return try Verifier.verify(checkpoint: path, against: against, options: options).json } catch { throw .failed(error.description) }
    }
}
