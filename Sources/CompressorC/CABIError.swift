import LLMCompressor

/// Why a call of the C ABI failed: the status code it returns and the one line it hands back.
enum CABIError: Error, Equatable {
    /// The options JSON is not an object, names an unknown option or gives one a value of the wrong kind.
    case badOptions(String)
    /// The work failed: bad input, a failed run. The message is the one `compress` prints.
    case failed(String)
    /// The caller cancelled the run through its `llmc_cancel` handle.
    case cancelled

    /// `LLMC_OK` in the header: the call succeeded.
    static let okStatus: Int32 = 0

    /// The status code the C function returns (see `llm_compressor.h`).
    var status: Int32 {
        switch self {
        case .failed: return 1
        case .badOptions: return 64
        case .cancelled: return 130
        }
    }

    /// The one-line message handed to the caller.
    var message: String {
        switch self {
        case let .badOptions(message), let .failed(message): return message
        case .cancelled: return ModifierError.cancelled.description
        }
    }

    /// `error` as the ABI reports it: a cancelled run as `.cancelled`, anything else as `.failed`
    /// with the error's one-line description.
    static func from(_ error: any Error) -> CABIError {
        if let error = error as? CABIError { return error }
        if let error = error as? ModifierError, error == .cancelled { return .cancelled }
        return .failed("\(error)")
    }
}
