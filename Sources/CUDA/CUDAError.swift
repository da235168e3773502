/// Everything that can stop the CUDA backend from loading its libraries, finding a device or
/// compiling its kernels. Each case names the library, folder, device or kernel involved, so that
/// one line tells a user what is wrong.
public enum CUDAError: Error, Equatable, CustomStringConvertible {
    /// None of `names` is in any of `searched` (folders, in search order) nor known to the dynamic linker.
    case libraryNotFound(names: [String], searched: [String])
    /// A file with a library's name was found but the dynamic linker refused it.
    case libraryUnloadable(path: String, reason: String)
    /// A loaded library lacks a function the backend calls (a library too old, or another one).
    case missingSymbol(library: String, symbol: String)
    /// A driver API call failed.
    case driver(call: String, code: Int32, message: String)
    /// An NVRTC call other than the compilation itself failed.
    case nvrtc(call: String, code: Int32, message: String)
    /// A cuBLAS call failed (`message`: the status's name).
    case cublas(call: String, code: Int32, message: String)
    /// `cuda:N` names a device the driver does not have.
    case noDevice(requested: Int, available: Int)
    /// A kernel source did not compile cleanly (an error, or a warning where warnings are refused).
    case compilation(kernel: String, architecture: String, log: String)
    /// A kernel cannot be launched for a shape (beyond the device's limits), or a buffer copy does not fit.
    case unsupportedShape(kernel: String, reason: String)
    /// An architecture name that is not `sm_XY` or `sm_XYa`.
    case invalidArchitecture(String)
    /// A `--device` value other than `cpu`, `cuda` or `cuda:N`.
    case invalidDevice(String)

    public var description: String {
        switch self {
        case let .libraryNotFound(names, searched):
            let places = searched.isEmpty ? "" : searched.joined(separator: ", ") + " and "
            return "CUDA library \(names.joined(separator: " or ")) not found: looked in \(places)the dynamic linker's default paths "
                + "(point --cuda-libraries or COMPRESS_CUDA_LIBRARIES at the folder that holds it)"
        case let .libraryUnloadable(path, reason): return "\(path): cannot be loaded as a CUDA library: \(reason)"
        case let .missingSymbol(library, symbol): return "\(library): has no function \(symbol) (an unsupported version?)"
        case let .driver(call, code, message): return "CUDA driver: \(call) failed with error \(code) (\(message))"
        case let .nvrtc(call, code, message): return "NVRTC: \(call) failed with error \(code) (\(message))"
        case let .cublas(call, code, message): return "cuBLAS: \(call) failed with status \(code) (\(message))"
        case let .noDevice(requested, available):
            return "CUDA device \(requested) does not exist: the driver sees \(available) device\(available == 1 ? "" : "s")"
        case let .compilation(kernel, architecture, log):
            let lines = log.split(separator: "\n", omittingEmptySubsequences: true)
            let more = lines.count > 1 ? " (and \(lines.count - 1) more line\(lines.count == 2 ? "" : "s"))" : ""
            return "\(kernel) for \(architecture): \(lines.first.map(String.init) ?? "compilation failed")\(more)"
        case let .unsupportedShape(kernel, reason): return "CUDA kernel \(kernel): \(reason)"
        case let .invalidArchitecture(name): return "'\(name)' is not a CUDA architecture (expected sm_XY or sm_XYa, e.g. sm_90a)"
        case let .invalidDevice(value): return "'\(value)' is not a device (expected cpu, cuda or cuda:N)"
        }
    }
}
