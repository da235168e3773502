/// A cuBLAS handle made once on a context (which must be current on the thread that makes it) and
/// destroyed with it. Its GEMMs run on the NULL stream, the one the kernels are launched on, in the
/// default math mode (`CUBLAS_DEFAULT_MATH`: full FP32, no TF32), alpha and beta read from the host,
/// with a workspace of its own (``workspaceBytes``), so that no GEMM allocates device memory.
final class CUBLASHandle: @unchecked Sendable {
    /// The workspace given to cuBLAS: 32 MiB, what NVIDIA advises for Hopper (4 MiB before it).
    static let workspaceBytes = 32 << 20

    let library: CUBLAS
    private let handle: OpaquePointer
    private let workspace: DeviceBuffer
    private let driver: CUDADriver
    private let context: OpaquePointer

    /// Creates the handle on `context`, current on this thread.
    ///
    /// - Throws: ``CUDAError/cublas(call:code:message:)`` when `cublasCreate_v2` or
    ///   `cublasSetWorkspace_v2` fails, ``CUDAError/driver(call:code:message:)`` when the workspace
    ///   cannot be allocated.
    init(_ library: CUBLAS, driver: CUDADriver, context: OpaquePointer) throws(CUDAError) {
        var handle: OpaquePointer?
        try library.check(library.create(&handle), "cublasCreate_v2")
        guard let handle else { throw .cublas(call: "cublasCreate_v2", code: 0, message: "no handle returned") }
        do {
            workspace = try DeviceBuffer(bytes: Self.workspaceBytes, driver: driver)
            try library.check(library.setWorkspace(handle, workspace.address, workspace.bytes), "cublasSetWorkspace_v2")
        } catch {
            _ = library.destroy(handle)
            throw error
        }
        self.library = library
        self.handle = handle
        self.driver = driver
        self.context = context
    }

    /// Destroys the handle with its context current, whichever thread lets it go.
    deinit {
        _ = driver.contextSetCurrent(context)
        _ = library.destroy(handle)
    }

    /// `C = op(A)·op(B)` (alpha 1, beta 0) as `arguments` say, on device addresses `a`, `b` and `c`
    /// (C's first element); returns the `cublasStatus_t` (the GEMM is queued, not waited for).
    func sgemm(_ arguments: SGEMMArguments, a: UInt64, b: UInt64, c: UInt64) -> Int32 {
        let one: Float = 1, zero: Float = 0
        return withUnsafePointer(to: one) { alpha in
            withUnsafePointer(to: zero) { beta in
                library.sgemm(handle, arguments.transa.rawValue, arguments.transb.rawValue, arguments.m, arguments.n, arguments.k, alpha,
                              UnsafePointer(bitPattern: UInt(a)), arguments.lda, UnsafePointer(bitPattern: UInt(b)), arguments.ldb, beta,
                              UnsafeMutablePointer(bitPattern: UInt(c)), arguments.ldc)
            }
        }
    }
}
