/// llm-compressor 0.14's MSE weight observers (`memoryless_mse`, `mse`, `nvfp4_expanded_mse`;
/// `_grid_search_mse` in `llmcompressor/observers/mse_quant.py`, its eager CPU path): each scale's
/// range `[lo, hi]` (the smallest and largest value of its group, times `expand`) is shrunk to
/// `[lo·p, hi·p]` for `p = 1 - i/grid`, `i = 0 ..< int(maxshrink·grid)`, and the `p` whose
/// fake-quantized group has the smallest error `Σ |q(x) - x|^norm` is kept. A step improves a
/// group when its error is strictly below the group's best so far; the search stops for the whole
/// tensor after `patience` consecutive steps in which no group improved.
///
/// Every step rounds where torch rounds in the weight's dtype: `lo·p` (p as float32), the
/// candidate's scale and zero point (``CandidateGrid``), the round trip, `q(x) - x`, the power
/// (with the exponent itself rounded to the dtype, as torch casts a scalar exponent) and the
/// error (a float32 sum rounded to the dtype), so ties between steps fall as they do in torch.
///
/// The imatrix observers (`imatrix_mse`, `nvfp4_expanded_imatrix`: `_grid_search` in
/// `llmcompressor/observers/imatrix.py`) search the same way with three differences (`weighted`):
/// the errors stay float32, each term `|q(x) - x|^norm` (in float32) times its input channel's
/// importance (``InputImportance``) and summed as torch sums a row (``TorchSums/row(_:count:)``);
/// the steps are `i = 0 ... max(1, int(maxshrink·grid))`; a `patience` of 0 never stops the search.
struct MSESearch: Sendable, Equatable {
    var maxshrink: Double
    var patience: Double
    var grid: Double
    var norm: Double
    var expand: Double
    /// Whether this is an imatrix observer's search (see above).
    var weighted = false
    /// imatrix's `strict`: refuse a weight whose layer got no usable importance rather than
    /// searching it unweighted.
    var strict = false

    /// `memoryless_mse` and `mse`.
    static let standard = MSESearch(maxshrink: 0.2, patience: 5, grid: 100, norm: 2.4, expand: 1)
    /// `nvfp4_expanded_mse` (and its alias `fouroversix`): from 1.8 times the range down to 0.8 times.
    static let nvfp4Expanded = MSESearch(maxshrink: 1 - 0.8 / 1.8, patience: 1000, grid: 200, norm: 2.4, expand: 1.8)
    /// `imatrix_mse`: from the whole range down to 0.05 of it in 20 steps.
    static let imatrix = MSESearch(maxshrink: 0.95, patience: 5, grid: 20, norm: 3, expand: 1, weighted: true, strict: false)
    /// `nvfp4_expanded_imatrix`: from 1.8 times the range down to 0.8 times, in 112 steps.
    static let nvfp4ExpandedImatrix = MSESearch(maxshrink: 1 - 0.8 / 1.8, patience: 1000, grid: 200, norm: 2.4, expand: 1.8, weighted: true, strict: false)

    /// `int(maxshrink * grid)`, none when negative; for the imatrix search one more, at least 2.
    var steps: Int {
        let product = (maxshrink * grid).rounded(.towardZero)
        let count = product > 0 ? Int(Swift.min(product, Double(1 << 20))) : 0
        return weighted ? Swift.max(1, count) + 1 : count
    }

    /// The shrink factor of step `i`, as float32 (torch's scalar operand of a float tensor).
    func factor(_ i: Int) -> Float { Float(1 - Double(i) / grid) }

    /// The step at which the search stops, given `improved(i)`: whether some group improved at step `i`.
    func lastStep(improved: (Int) -> Bool) -> Int {
        var quiet = 0.0
        for i in 0..<steps {
            if improved(i) {
                quiet = 0
            } else {
                quiet += 1
                if quiet >= patience, !weighted || patience > 0 { return i }
            }
        }
        return steps - 1
    }
}
