/// cuBLAS (`libcublas.so.13`, else `.12`), loaded with `dlopen`: the handle calls and the FP32 GEMM
/// (`cublasSgemm_v2`) that multiplies the CUDA model's projections (``CUBLASHandle``).
public struct CUBLAS: Sendable {
    /// `cublasCreate_v2(cublasHandle_t*)`.
    typealias Create = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    /// `cublasDestroy_v2(cublasHandle_t)`.
    typealias Destroy = @convention(c) (OpaquePointer?) -> Int32
    /// `cublasSetWorkspace_v2(cublasHandle_t, void* workspace, size_t workspaceSizeInBytes)`.
    typealias SetWorkspace = @convention(c) (OpaquePointer?, UInt64, Int) -> Int32
    /// `cublasSgemm_v2(handle, transa, transb, m, n, k, const float* alpha, const float* A, lda,
    /// const float* B, ldb, const float* beta, float* C, ldc)`, alpha and beta on the host.
    typealias SGEMM = @convention(c) (
        OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>?, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int32) -> Int32

    /// The library names tried in each folder, newest first.
    public static let libraryNames = ["libcublas.so.13", "libcublas.so.12"]

    /// The file it was loaded from.
    public let path: String
    let create: Create
    let destroy: Destroy
    let setWorkspace: SetWorkspace
    let sgemm: SGEMM

    /// Loads cuBLAS from the first folder of `search` that has it.
    ///
    /// - Throws: ``CUDAError`` naming what was looked for and where, the file that did not load, or a missing function.
    public init(search: LibrarySearch) throws(CUDAError) {
        let library = try search.load(Self.libraryNames)
        path = library.path
        create = try library.function("cublasCreate_v2")
        destroy = try library.function("cublasDestroy_v2")
        setWorkspace = try library.function("cublasSetWorkspace_v2")
        sgemm = try library.function("cublasSgemm_v2")
    }

    /// The name of `cublasStatus_t` value `status`, as cublas_api.h spells it.
    public static func statusName(_ status: Int32) -> String {
        switch status {
        case 0: "CUBLAS_STATUS_SUCCESS"
        case 1: "CUBLAS_STATUS_NOT_INITIALIZED"
        case 3: "CUBLAS_STATUS_ALLOC_FAILED"
        case 7: "CUBLAS_STATUS_INVALID_VALUE"
        case 8: "CUBLAS_STATUS_ARCH_MISMATCH"
        case 11: "CUBLAS_STATUS_MAPPING_ERROR"
        case 13: "CUBLAS_STATUS_EXECUTION_FAILED"
        case 14: "CUBLAS_STATUS_INTERNAL_ERROR"
        case 15: "CUBLAS_STATUS_NOT_SUPPORTED"
        case 16: "CUBLAS_STATUS_LICENSE_ERROR"
        default: "unknown status"
        }
    }

    /// Throws ``CUDAError/cublas(call:code:message:)`` for a `status` other than `CUBLAS_STATUS_SUCCESS`.
    func check(_ status: Int32, _ call: @autoclosure () -> String) throws(CUDAError) {
        guard status == 0 else { throw .cublas(call: call(), code: status, message: Self.statusName(status)) }
    }
}
