import Checkpoint
import Recipes

/// llm-compressor 0.14's MSE observers (`mse`, `memoryless_mse`, `nvfp4_expanded_mse`) on a
/// static input activation or the KV cache: each calibration sample's range is the one the grid
/// search (``MSESearch``) finds on that sample's values alone, flattened as
/// `flatten_for_calibration` flattens them — all of the sample for one scale per tensor, each KV
/// head's columns under `attn_head`, the heads searched together so that one patience stops them
/// all — and the observer's rule (``RangeObserver``) keeps these ranges as the min-max observers
/// keep raw ones: a moving average over samples for `mse`, the last sample's for the memoryless ones.
///
/// The search runs in float32, the dtype calibration computes activations in here (llm-compressor
/// searches in the model's dtype). Each range's minimum is taken with 0 and its maximum with 0,
/// as the weight search takes them, which changes no candidate; a sample whose values all have
/// one sign thus observes 0 rather than its value nearest to 0 (llm-compressor keeps that value
/// shrunk, which only a moving average over such samples would show).
struct ActivationSearch {
    let search: MSESearch
    /// The grid of the activation's scheme: FP8 E4M3 or integers, with a zero point when asymmetric.
    let grid: any CandidateGrid
    let threads: Int

    /// The search of the observer `args` names, or nil for an observer that does not search
    /// (the min-max ones; RangeObserver refuses the imatrix ones, which weigh weight columns).
    /// - Throws: `unsupportedScheme` naming `what` for `observer_kwargs` the observer rejects and
    ///   for scales other than per tensor or per head (NVFP4's global scale of channel groups).
    init?(args: QuantizationArgs, what: String, threads: Int) throws(ModifierError) {
        let name = args.observer.flatMap(ObserverNames.registered) ?? "minmax"
        guard let defaults = MSESearch.defaults(observer: name), !defaults.weighted else { return nil }
        func refuse(_ reason: String) -> ModifierError {
            .unsupportedScheme(group: what, reason: "activation observer '\(name)': \(reason)")
        }
        guard args.strategy == .tensor || args.strategy == .attnHead else {
            throw .unsupportedScheme(
                group: what,
                reason: "activation observer '\(name)' is not supported for strategy \(args.strategy.rawValue) (its grid search runs on static scales per tensor or per head); use minmax")
        }
        search = try defaults.applying(args.observerKwargs, refuse: refuse)
        grid = args.type == .float ? FloatCandidateGrid(element: .fp8) : IntegerGrid(bits: args.numBits, symmetric: args.symmetric)
        self.threads = threads
    }

    /// The searched range of one sample, `rows` rows of `width` finite values `stride` apart: one
    /// range, or one per head when there are `heads` (each `width / heads` consecutive columns).
    /// `name` (the scale's output tensor) names the values in errors.
    func ranges(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int, heads: Int, name: String) throws(ModifierError) -> SearchedRanges {
        let part = width / heads
        // Per tensor the sample's rows one after another; per head each head's columns over every row.
        let laidOut = UnsafeMutablePointer<UInt32>.allocate(capacity: rows * width)
        defer { laidOut.deallocate() }
        for r in 0..<rows {
            for h in 0..<heads {
                let source = values + r * stride + h * part, target = laidOut + (h * rows + r) * part
                for c in 0..<part { target[c] = source[c].bitPattern }
            }
        }
        let shape = heads == 1 ? [rows, width] : [heads, rows * part]
        let info = TensorInfo(name: name, dtype: .f32, shape: shape, dataRange: 0..<0)
        return try search.ranges(F32Storage.self, grid: grid, weight: info, input: laidOut,
                                 groupSize: heads == 1 ? nil : rows * part, threads: threads, allowNonFinite: false)
    }
}
