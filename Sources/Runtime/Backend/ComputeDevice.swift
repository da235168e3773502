/// Where the runtime runs a model: `cpu` (the default) or `cuda:N`, as `--device` names it.
public enum ComputeDevice: Equatable, Sendable, CustomStringConvertible {
    /// The CPU: the CKernels kernels and OpenBLAS.
    case cpu
    /// NVIDIA GPU number `index` (`cuda` alone is device 0, or the local rank's under MPI).
    case cuda(index: Int)

    /// Parses `cpu`, `cuda` or `cuda:N`. `cuda` alone is device `localRank`: 0 for one process,
    /// the rank's index among its host's ranks under an MPI launcher, so that each rank of
    /// `mpirun -np 8 ... --device cuda` takes its own GPU, as torch.distributed's `LOCAL_RANK` does.
    ///
    /// - Throws: ``RuntimeError/cuda(_:)`` wrapping ``CUDAError/invalidDevice(_:)``.
    public init(parsing text: String, localRank: Int = 0) throws(RuntimeError) {
        switch text {
        case "cpu": self = .cpu
        case "cuda": self = .cuda(index: localRank)
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
