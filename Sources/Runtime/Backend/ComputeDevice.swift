/// Where the runtime runs a model: `cpu` (the default) or `cuda:N`, as `--device` names it.
public enum ComputeDevice: Equatable, Sendable, CustomStringConvertible {
    /// The CPU: the CKernels kernels and OpenBLAS.
    case cpu
    /// NVIDIA GPU number `index` (`cuda` alone is device 0).
    case cuda(index: Int)

    /// Parses `cpu`, `cuda` or `cuda:N`.
    ///
    /// - Throws: ``RuntimeError/cuda(_:)`` wrapping ``CUDAError/invalidDevice(_:)``.
    public init(parsing text: String) throws(RuntimeError) {
        switch text {
        case "cpu": self = .cpu
        case "cuda": self = .cuda(index: 0)
        default:
            let digits = text.dropFirst(5)
            guard text.hasPrefix("cuda:"), (1...4).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let index = Int(digits)
            else { throw .cuda(.invalidDevice(text)) }
            self = .cuda(index: index)
        }
    }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case let .cuda(index): return "cuda:\(index)"
        }
    }
}
