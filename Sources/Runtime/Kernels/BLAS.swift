import COpenBLAS
import Foundation

/// The single-precision BLAS calls the runtime makes, row-major throughout.
enum BLAS {
    /// `C[m, n] = alpha · A[m, k] · op(B) + beta · C`, where `op(B)` is `Bᵀ` for a `B` stored
    /// `[n, k]` (`transposeB`) or `B` for one stored `[k, n]`.
    @inline(__always)
    static func gemm(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// `y[m] = alpha · A[m, n] · x[n] + beta · y`, `A` row-major with leading dimension `lda`.
    @inline(__always)
    static func gemv(
        m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(m), blasint(n), alpha, a, blasint(lda), x, 1, beta, y, 1)
    }
}

/// The number of threads OpenBLAS runs its kernels on.
public enum ComputeThreads {
    /// Sets OpenBLAS's thread count; `nil` means one per active core of this machine.
    public static func configure(_ count: Int? = nil) {
        let wanted = max(1, count ?? ProcessInfo.processInfo.activeProcessorCount)
        openblas_set_num_threads(Int32(wanted))
    }

    /// The thread count OpenBLAS is using now.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
