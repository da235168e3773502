import COpenBLAS

/// The factor GPTQ propagates errors with: the upper Cholesky factor `U` of the inverse of the
/// dampened Hessian (`H⁻¹ = UᵀU`), the factor llm-compressor 0.14's `factorize_hessian` computes:
///
/// 1. dead columns (`H[i,i] == 0`: the input is zero in every sample) get `H[i,i] = 1` (the
///    caller zeroes their weights);
/// 2. `H[i,i] += dampening_frac · mean(diag(H))`, in float32;
/// 3. if `H` is not positive definite, `U` is the identity and GPTQ becomes round-to-nearest
///    (`usedFallback`);
/// 4. else `U`, the same factor torch gets from `cholesky_inverse` then `cholesky(upper=True)`,
///    with half their work: with `J` the order-reversing permutation, the lower Cholesky factor
///    `M` of `JHJ` gives `H = RRᵀ` with `R = JMJ` upper triangular, so `H⁻¹ = (R⁻¹)ᵀR⁻¹` and
///    `U = R⁻¹ = J·M⁻¹·J` (`spotrf` and `strtri`, `2n³/3` flops against `4n³/3`).
///
/// Both steps are LAPACK calls on float32, run by OpenBLAS on the calling thread alone
/// (``openBLASOnCallingThread``) so that the factor, and GPTQ's codes, are the same whatever
/// `--threads` and the number of MPI ranks; several factors can be made at once on different threads. `JHJ` of a row-major matrix is its values in reverse
/// order, and a row-major symmetric matrix is its own column-major transpose: `spotrf` with
/// `uplo = 'U'` leaves `Mᵀ` in the column-major upper triangle, which is `M` in the row-major
/// lower one; `strtri` inverts it there, and reversing the values again leaves `U` in the
/// row-major upper triangle.
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

        let n32 = Int32(n), uplo = Int8(UInt8(ascii: "U"))
        h.reverse()
        Self.openBLASOnCallingThread
        let info = h.withUnsafeMutableBufferPointer { lapack_spotrf(uplo, n32, $0.baseAddress!, n32) }
        guard info == 0 else {
            var identity = [Float](repeating: 0, count: n * n)
            for i in 0..<n { identity[i * n + i] = 1 }
            upper = identity
            usedFallback = true
            return
        }
        usedFallback = false
        let inverted = h.withUnsafeMutableBufferPointer { lapack_strtri(uplo, n32, $0.baseAddress!, n32) }
        h.reverse()
        // Where the inverse overflows, torch.linalg.cholesky raises and llm-compressor stops with it.
        // (The lower triangle still holds the dampened Hessian's finite values.)
        guard inverted == 0, h.allSatisfy(\.isFinite) else {
            throw .unquantizableWeight(tensor: tensor, reason: "GPTQ: the inverse of the dampened Hessian is not finite "
                + "(LAPACK info \(inverted)); raise dampening_frac or add calibration samples")
        }
        upper = h
    }

    /// OpenBLAS set, once per process, to run its calls on the calling thread alone: its
    /// `spotrf` and `strtri` round differently on different thread counts (on 1 and 2 threads most
    /// entries of a 576-column factor differ in their last bits), which would make GPTQ's codes
    /// depend on `--threads`. Nothing else in the process calls OpenBLAS.
    private static let openBLASOnCallingThread: Void = openblas_set_num_threads(1)
}
