import CUDA
import Testing
import TestSupport
@testable import Runtime

/// Every CUDA kernel against the CPU runtime's code, on device 0 when this machine has one (the
/// driver, NVRTC, cuBLASLt and cuBLAS found as `--device cuda` finds them); skipped otherwise.
@Suite("CUDA kernels on a GPU", .enabled(if: CUDADevice.backend != nil, "no CUDA device"))
struct CUDAKernelCheckTests {
    @Test func everyKernelMatchesTheCPURuntime() throws {
        let backend = try #require(CUDADevice.backend)
        for check in try CUDAKernelCheck.run(on: CUDAContext(backend)) {
            #expect(check.passed, "\(check.name): error \(check.error) above \(check.tolerance)")
        }
    }

    @Test func aDenseModelRunsOnTheGPUAsOnTheCPU() throws {
        let backend = try #require(CUDADevice.backend)
        let model = try DecoderModel(directory: Fixtures.path("models/llama_calib"))
        for check in try CUDAKernelCheck.compare(model: model, name: "llama_calib", on: CUDAContext(backend)) {
            #expect(check.passed, "\(check.name): error \(check.error) above \(check.tolerance)")
        }
    }
}

/// Device 0 opened, or nil on a machine without CUDA.
enum CUDADevice {
    static let backend = try? CUDABackend.open(device: 0, search: LibrarySearch(option: nil))
}
