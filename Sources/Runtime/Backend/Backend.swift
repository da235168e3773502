import CUDA

/// The backend a model runs on, opened from a ``ComputeDevice`` before the model is loaded.
///
/// The CPU backend is the runtime as it is. The CUDA backend opens its libraries and device,
/// compiles its kernels, and scores dense decoder models (``CUDADecoderModel``); generation and
/// calibration do not run on it yet.
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

    /// The model that scores windows for perplexity on this backend: `model` itself on the CPU, its
    /// ``CUDADecoderModel`` on CUDA (every weight uploaded to the device).
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` naming what of `model` CUDA does not run
    ///   yet, or ``RuntimeError/cuda(_:)`` for the context, an allocation or a copy that fails.
    public func scoringModel(for model: DecoderModel) throws(RuntimeError) -> any ScoringModel {
        guard case let .cuda(backend) = self else { return model }
        let context: CUDAContext
        do { context = try CUDAContext(backend) } catch { throw .cuda(error) }
        return try CUDADecoderModel(model, context: context)
    }

    /// Checks that generation and calibration can run on this backend.
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` for CUDA, which runs only perplexity
    ///   (``scoringModel(for:)``, `compress eval`) so far.
    public func requireModelSupport() throws(RuntimeError) {
        guard case let .cuda(backend) = self else { return }
        throw .backendUnavailable(
            "cuda:\(backend.device.index) (\(backend.device.name), \(backend.device.architecture)) is ready, but the CUDA backend runs only "
                + "`compress eval` (dense decoder models) so far; generation and calibration run on the CPU: use --device cpu")
    }
}
