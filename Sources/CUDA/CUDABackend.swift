/// Everything the CUDA backend needs on one device, opened and checked up front: the driver, the
/// device and its architecture, NVRTC, cuBLAS, cuBLASLt, and every kernel compiled for that architecture
/// (from the ``KernelCache`` when it holds them).
public struct CUDABackend: Sendable {
    /// The driver, loaded and initialized.
    public let driver: CUDADriver
    /// The device opened.
    public let device: CUDADriver.Device
    /// The compiler the kernels were compiled with (or would have been, when all came from the cache).
    public let nvrtc: NVRTC
    /// cuBLAS, loaded: its SGEMM multiplies the projections.
    public let cublas: CUBLAS
    /// cuBLASLt, loaded (its matmuls are not called yet).
    public let cublasLt: CUBLASLt
    /// The CUBIN of each of ``KernelSource/all``, by source name.
    public let cubins: [String: [UInt8]]

    /// Opens device `index`: loads the driver first (so that a machine without CUDA is told
    /// that, naming where libcuda.so.1 was looked for), then NVRTC, cuBLASLt and cuBLAS, then compiles the kernels.
    ///
    /// - Throws: ``CUDAError`` for the first library, device or kernel that fails.
    public static func open(device index: Int, search: LibrarySearch, cache: KernelCache = KernelCache()) throws(CUDAError) -> CUDABackend {
        let driver = try CUDADriver(search: search)
        let device = try driver.device(index)
        let nvrtc = try NVRTC(search: search)
        // cuBLASLt first: libcublas needs it, and finds it already loaded (by its soname) wherever it lies.
        let cublasLt = try CUBLASLt(search: search)
        let cublas = try CUBLAS(search: search)
        var cubins: [String: [UInt8]] = [:]
        for source in KernelSource.all {
            cubins[source.name] = try cache.cubin(for: source, architecture: device.architecture, nvrtc: nvrtc)
        }
        return CUDABackend(driver: driver, device: device, nvrtc: nvrtc, cublas: cublas, cublasLt: cublasLt, cubins: cubins)
    }
}
