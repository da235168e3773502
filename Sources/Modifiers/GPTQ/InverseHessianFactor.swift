import COpenBLAS
import Runtime

/// The factor GPTQ propagates errors with: the upper Cholesky factor `U` of the inverse of the
/// dampened Hessian (`H⁻¹ = UᵀU`), computed as llm-compressor 0.14's `factorize_hessian` does:
///
/// 1. dead columns (`H[i,i] == 0`: the input is zero in every sample) get `H[i,i] = 1` (the
///    caller zeroes their weights);
/// 2. `H[i,i] += dampening_frac · mean(diag(H))`, in float32;
/// 3. `L = cholesky(H)`; if `H` is not positive definite, `U` is the identity and GPTQ becomes
///    round-to-nearest (`usedFallback`);
/// 4. `H⁻¹ = cholesky_inverse(L)`, then `U = cholesky(H⁻¹, upper)`.
///
/// All three steps are LAPACK calls on float32, as in torch (`spotrf`, `spotri`, `spotrf`), made
/// on one OpenBLAS thread (``ComputeThreads/singleThreaded(_:)``) so that the factor, and GPTQ's
/// codes, are the same whatever the thread count.
/// A row-major symmetric matrix is its own column-major transpose, so each call works on the
/// row-major buffer with `uplo = 'L'`, which leaves its results in the row-major upper triangle.
struct InverseHessianFactor {
    let columns: Int
    /// `U` in the upper triangle of a row-major `columns × columns` matrix (the rest is scratch).
    let upper: [Float]
    /// Whether each column is dead.
    let dead: [Bool]
    /// Whether `H` was not positive definite, so `U` is the identity.
    let usedFallback: Bool

    /// Factors `hessian` (full, symmetric, row-major, finite), consuming it.
    /// - Complexity: `O(columns³)`.
    init(hessian: consuming [Float], columns n: Int, dampeningFrac: Double, tensor: String) throws(ModifierError) {
        columns = n
        var h = hessian
        var dead = [Bool](repeating: false, count: n)
        var diagonalSum = 0.0
        for i in 0..<n {
            if h[i * n + i] == 0 {
                h[i * n + i] = 1
                dead[i] = true
            }
            diagonalSum += Double(h[i * n + i])
        }
        let damp = Float(dampeningFrac) * Float(diagonalSum / Double(n))
        for i in 0..<n { h[i * n + i] += damp }
        self.dead = dead

        let n32 = Int32(n)
        let info = ComputeThreads.singleThreaded {
            h.withUnsafeMutableBufferPointer { lapack_spotrf(Int8(UInt8(ascii: "L")), n32, $0.baseAddress!, n32) }
        }
        guard info == 0 else {
            var identity = [Float](repeating: 0, count: n * n)
            for i in 0..<n { identity[i * n + i] = 1 }
            upper = identity
            usedFallback = true
            return
        }
        usedFallback = false
        let inverted = ComputeThreads.singleThreaded {
            h.withUnsafeMutableBufferPointer { m -> Int32 in
                // spotri fills the triangle the second spotrf reads: no mirroring is needed.
                let info = lapack_spotri(Int8(UInt8(ascii: "L")), n32, m.baseAddress!, n32)
                return info == 0 ? lapack_spotrf(Int8(UInt8(ascii: "L")), n32, m.baseAddress!, n32) : info
            }
        }
        // torch.linalg.cholesky raises here; llm-compressor stops with it.
        guard inverted == 0 else {
            throw .unquantizableWeight(tensor: tensor, reason: "GPTQ: the inverse of the dampened Hessian is not positive definite "
                + "(LAPACK info \(inverted)); raise dampening_frac or add calibration samples")
        }
        upper = h
    }
}
