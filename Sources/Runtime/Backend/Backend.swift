import CUDA

/// The backend a model runs on, opened from a ``ComputeDevice`` before the model is loaded.
///
/// The CPU backend is the runtime as it is. The CUDA backend opens its libraries and device and
/// compiles its kernels, but does not run models yet: its layers have not run on a GPU.
public enum Backend: Sendable {
    case cpu
    case cuda(CUDABackend)

    /// Opens `device`, looking for the CUDA libraries first in `cudaLibraries` (`--cuda-libraries`).
    ///
    /// - Throws: ``RuntimeError/cuda(_:)`` naming the library, folder, device or kernel that failed.
    public static func open(_ device: ComputeDevice, cudaLibraries: String? = nil) throws(RuntimeError) -> Backend {
        switch device {
        case .cpu: return .cpu
        case let .cuda(index):
            do { return .cuda(try CUDABackend.open(device: index, search: LibrarySearch(option: cudaLibraries))) } catch { throw .cuda(error) }
        }
    }

    /// Checks that models can run on this backend.
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` for CUDA, whose forward pass is not implemented yet.
    public func requireModelSupport() throws(RuntimeError) {
        guard case let .cuda(backend) = self else { return }
        throw .backendUnavailable(
            "cuda:\(backend.device.index) (\(backend.device.name), \(backend.device.architecture)) is ready and its kernels compiled, "
                + "but the CUDA backend does not run models yet; use --device cpu")
    }
}
