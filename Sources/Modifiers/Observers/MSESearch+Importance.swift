import Foundation

extension CandidateErrors {
    /// The imatrix search's errors (``MSESearch/weighted``): `into[g * steps.count + k]` =
    /// `Σ_c importance[c] · |q(x_c) - x_c|^norm` for step `steps.lowerBound + k` on group `g`, every
    /// term in float32 and the sum in torch's order (``TorchSums/row(_:count:)``). Group `g` is group
    /// `firstGroup + g` of the weight, `groupsPerRow` a row; `importance` holds one weight per input
    /// channel (nil: llm-compressor's unweighted fallback). `terms` holds `size` floats.
    func weightedErrors(_ values: UnsafePointer<S.Bits>, groups: Int, size: Int, lo: UnsafePointer<Float>, hi: UnsafePointer<Float>,
                        steps: Range<Int>, importance: UnsafePointer<Float>?, firstGroup: Int, groupsPerRow: Int,
                        terms: UnsafeMutablePointer<Float>, into errors: UnsafeMutablePointer<Float>) {
        let power = FloatPower(norm: search.norm)
        for g in 0..<groups {
            let x = values + g * size
            let weights = importance.map { $0 + ((firstGroup + g) % groupsPerRow) * size }
            for (k, i) in steps.enumerated() {
                let p = factors[i]
                let (scale, zeroPoint) = grid.candidate(S.self, lo: S.rounded(lo[g] * p), hi: S.rounded(hi[g] * p))
                for c in 0..<size {
                    let v = S.float(x[c])
                    terms[c] = power.of(Swift.abs(grid.roundTrip(S.self, v, scale: scale, zeroPoint: zeroPoint) - v))
                }
                if let weights { for c in 0..<size { terms[c] *= weights[c] } }
                errors[g * steps.count + k] = TorchSums.row(terms, count: size)
            }
        }
    }
}

/// `|d|^norm` in float32 as torch's `pow_` with a scalar exponent computes it on a float32 tensor:
/// products for 2 and 3, the square root for 0.5, otherwise the power with the exponent rounded
/// to float32 (its vectorized `pow`; within an ulp of it).
struct FloatPower {
    private enum Kind { case square, cube, squareRoot, general(Double) }
    private let kind: Kind

    init(norm: Double) {
        switch norm {
        case 2: kind = .square
        case 3: kind = .cube
        case 0.5: kind = .squareRoot
        default: kind = .general(Double(Float(norm)))
        }
    }

    @inline(__always)
    func of(_ magnitude: Float) -> Float {
        switch kind {
        case .square: return magnitude * magnitude
        case .cube: return magnitude * magnitude * magnitude
        case .squareRoot: return magnitude.squareRoot()
        case let .general(exponent): return Float(pow(Double(magnitude), exponent))
        }
    }
}
