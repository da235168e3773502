import CKernels
import Checkpoint

/// The errors of an MSE search's candidates on groups of a weight: `Σ |q(x) - x|^norm` over each
/// group's values in order, as torch sums a dtype tensor (each term rounded to the dtype, the sum
/// in float32), not yet rounded. bf16 and f16 weights go to the `CKernels` kernel
/// (`ck_mse_errors`, SIMD); f32 ones, whose power has no table, to a loop here.
struct CandidateErrors<S: WeightStorage, G: CandidateGrid> {
    let search: MSESearch
    let grid: G
    let power: ErrorPower<S>
    /// The shrink factor of every step.
    let factors: [Float]
    /// The grid as the kernel takes it; nil for f32 weights.
    let kernel: ck_mse_grid?

    init(search: MSESearch, grid: G, power: ErrorPower<S>) {
        self.search = search
        self.grid = grid
        self.power = power
        factors = (0..<search.steps).map(search.factor)
        var kernel = grid.kernelGrid
        kernel.eps = S.eps
        kernel.power = power.lookup
        kernel.parts = power.parts
        guard let dtype = S.kernelDType else { self.kernel = nil; return }
        kernel.dtype = dtype
        self.kernel = kernel
    }

    /// Floats of scratch `errors` needs for groups of `size` values.
    func scratchCount(groupSize size: Int) -> Int { kernel == nil ? 0 : ck_mse_scratch_floats(size) }

    /// `into[g * steps.count + k]` = the error of step `steps.lowerBound + k` on group `g`, for
    /// `groups` groups of `size` consecutive values at `values` whose ranges are `lo[g]...hi[g]`.
    func errors(_ values: UnsafePointer<S.Bits>, groups: Int, size: Int, lo: UnsafePointer<Float>, hi: UnsafePointer<Float>,
                steps: Range<Int>, scratch: UnsafeMutablePointer<Float>, into errors: UnsafeMutablePointer<Float>) {
        if var kernel {
            factors.withUnsafeBufferPointer { factors in
                ck_mse_errors(&kernel, groups, size, UnsafeRawPointer(values).assumingMemoryBound(to: UInt16.self), lo, hi,
                              factors.baseAddress! + steps.lowerBound, steps.count, scratch, errors)
            }
            return
        }
        for g in 0..<groups {
            for (k, i) in steps.enumerated() {
                let p = factors[i]
                let (scale, zeroPoint) = grid.candidate(S.self, lo: S.rounded(lo[g] * p), hi: S.rounded(hi[g] * p))
                var sum: Float = 0
                for x in UnsafeBufferPointer(start: values + g * size, count: size).lazy.map(S.float) {
                    sum += power.of(S.rounded(grid.roundTrip(S.self, x, scale: scale, zeroPoint: zeroPoint) - x))
                }
                errors[g * steps.count + k] = sum
            }
        }
    }

    /// The steps at which the search improves each of `groups` groups (`ck_mse_improvements`):
    /// bit `i % 64` of `into[g * words + i / 64]`, `words` = ⌈steps / 64⌉, every word written.
    /// f32 weights go through their errors, `errors` holding `groups * steps` floats.
    func improvements(_ values: UnsafePointer<S.Bits>, groups: Int, size: Int, lo: UnsafePointer<Float>, hi: UnsafePointer<Float>,
                      scratch: UnsafeMutablePointer<Float>, errors: UnsafeMutablePointer<Float>, into bits: UnsafeMutablePointer<UInt64>) {
        if var kernel {
            factors.withUnsafeBufferPointer { factors in
                ck_mse_improvements(&kernel, groups, size, UnsafeRawPointer(values).assumingMemoryBound(to: UInt16.self), lo, hi,
                                    factors.baseAddress!, factors.count, scratch, bits)
            }
            return
        }
        let steps = factors.count, words = (steps + 63) / 64
        self.errors(values, groups: groups, size: size, lo: lo, hi: hi, steps: 0..<steps, scratch: scratch, into: errors)
        for g in 0..<groups { search.markImprovements(S.self, errors + g * steps, into: bits + g * words) }
    }
}
