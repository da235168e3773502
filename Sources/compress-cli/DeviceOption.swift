import ArgumentParser
import LLMCompressor

/// `--device` and `--cuda-libraries`, for the commands that run the model (eval, generate, and
/// oneshot's calibration).
struct DeviceOption: ParsableArguments {
    @Option(help: ArgumentHelp("Where to run the model: cpu, or cuda[:N] for NVIDIA GPU N (CUDA libraries found at run time; see the README's CUDA section). Under an MPI launcher, cuda alone is the GPU of the rank's local rank.",
                               valueName: "cpu|cuda[:N]"))
    var device = "cpu"

    @Option(help: ArgumentHelp("A folder (or :-separated folders) searched first for libcuda.so.1, libnvrtc.so.13/.12, libcublasLt.so.13/.12 and libcublas.so.13/.12; also $COMPRESS_CUDA_LIBRARIES.",
                               valueName: "DIR"), completion: .directory)
    var cudaLibraries: String?

    /// The parsed `--device`.
    var chosen: ComputeDevice {
        get throws { try ComputeDevice(parsing: device) }
    }

    func validate() throws {
        do { _ = try chosen } catch { throw ValidationError("--device: \(error)") }
    }

    /// Opens the chosen backend (`cuda` alone meaning GPU `localRank`); nothing to open for the CPU.
    func backend(localRank: Int = 0) throws(RuntimeError) -> Backend {
        try Backend.open(ComputeDevice(parsing: device, localRank: localRank), cudaLibraries: cudaLibraries)
    }

    /// Opens the chosen backend and checks that it runs generation and calibration.
    func requireModelBackend(localRank: Int = 0) throws(RuntimeError) {
        try backend(localRank: localRank).requireModelSupport()
    }
}
