/// A Hessian prepared for GPTQ: the order its columns are quantized in and the factor of its
/// inverse, dampened, in that order. It depends on the Hessian and the ordering only, so the
/// layers that read the same inputs in the same ordering (q, k and v; gate and up) share one.
struct FactoredHessian: Sendable {
    /// Column indices in quantization order.
    let order: [Int]
    /// The factor of the permuted, dampened Hessian's inverse.
    let factor: InverseHessianFactor

    /// Validates and factors `hessian` (full, symmetric, `columns × columns`, as
    /// `HessianAccumulator.hessian()` gives it) with columns visited in `ordering`; errors name
    /// `tensor`, the first layer that reads it.
    /// - Complexity: `O(columns³)`.
    init(hessian: consuming [Float], columns: Int, ordering: GPTQActivationOrdering, dampeningFrac: Double,
         tensor: String) throws(ModifierError) {
        func refuse(_ reason: String) -> ModifierError { .unquantizableWeight(tensor: tensor, reason: "GPTQ: " + reason) }
        guard columns > 0, hessian.count == columns * columns else {
            throw refuse("the Hessian holds \(hessian.count) values, not \(columns)² for \(columns) columns")
        }
        if let bad = hessian.firstIndex(where: { !$0.isFinite }) {
            throw refuse("the Hessian holds NaN or Inf at row \(bad / columns), column \(bad % columns) (calibration activations overflowed)")
        }
        guard dampeningFrac.isFinite, dampeningFrac >= 0 else { throw refuse("dampening_frac must be a non-negative number, not \(dampeningFrac)") }
        if ordering == .weight {
            order = Self.descendingDiagonalOrder(hessian, columns: columns)
            factor = try InverseHessianFactor(hessian: Self.permuted(hessian, order: order), columns: columns,
                                              dampeningFrac: dampeningFrac, tensor: tensor)
        } else {
            order = Array(0..<columns)
            factor = try InverseHessianFactor(hessian: hessian, columns: columns, dampeningFrac: dampeningFrac, tensor: tensor)
        }
    }

    /// Column indices by descending diagonal of `hessian`; equal values keep their order.
    static func descendingDiagonalOrder(_ hessian: [Float], columns n: Int) -> [Int] {
        let diagonal = (0..<n).map { hessian[$0 * n + $0] }
        return (0..<n).sorted { diagonal[$0] > diagonal[$1] || (diagonal[$0] == diagonal[$1] && $0 < $1) }
    }

    /// `hessian` with rows and columns both in `order`.
    static func permuted(_ hessian: [Float], order: [Int]) -> [Float] {
        let n = order.count
        var result = [Float](repeating: 0, count: n * n)
        for a in 0..<n {
            let source = order[a] * n
            for b in 0..<n { result[a * n + b] = hessian[source + order[b]] }
        }
        return result
    }
}
