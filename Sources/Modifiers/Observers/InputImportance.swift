import Checkpoint
import Recipes
import Runtime

/// The importance of each input channel of the Linear layers whose weights an imatrix observer
/// searches (`imatrix_mse`, `nvfp4_expanded_imatrix`), as llm-compressor 0.14's
/// `IMatrixMSEObserver` gathers it with a forward pre-hook on the layer during the calibration
/// pass: per sample, the inputs (in the weight's dtype) squared in float32 and summed over the
/// tokens as torch sums columns (``TorchSums/columns(_:rows:width:stride:)``), added up sample by
/// sample, with the tokens counted. The importance is then `E[x²] = sum / tokens` divided by its
/// mean over the channels (plus float32's smallest normal), all in float32. Over several ranks
/// (``reduce(over:)``), each sample's sums are gathered and added in sample order, so the
/// importance is one process's.
final class InputImportance {
    /// The entries served, with the site they read and whether their observer is `strict`.
    private var entries: [(entry: Int, site: LayerSite, strict: Bool)] = []
    private var bySite: [LayerSite: SquareSums] = [:]
    /// The sites in the order of their first entry: the order ranks exchange them in.
    private var sites: [LayerSite] = []

    /// No entries (outside the blocks, or no imatrix observer).
    init() {}

    /// Sums for the quantized entries among `members` that quantizing modifier `modifier` searches
    /// with an imatrix observer, registered on `tap`; `keepsSamples` (several ranks) keeps each
    /// sample's sums for ``reduce(over:)``.
    init(plan: OneshotPlan, members: [Int], modifier: Int, tap: SiteTap, keepsSamples: Bool) {
        for i in members {
            let entry = plan.quantization.entries[i]
            guard case let .quantize(group) = entry.action, plan.quantization.groupModifiers[group] == modifier,
                  let args = plan.quantization.groups[group].scheme.weights, Self.isImatrix(args),
                  let site = plan.quantization.architecture.site(ofLinear: entry.module, everyExpert: tap.calibratesEveryExpert)
            else { continue }
            entries.append((i, site, args.observerKwargs["strict"]?.boolValue ?? false))
            guard bySite[site] == nil else { continue }
            let sums = SquareSums(dtype: entry.tensor.info.dtype, keepsSamples: keepsSamples)
            bySite[site] = sums
            sites.append(site)
            tap.add(site) { values, rows, width, stride in sums.add(values, rows: rows, width: width, stride: stride) }
        }
    }

    /// Makes every site's sums those of every rank's samples, each sample's sums added in sample
    /// order (rank order), as one process adds them.
    func reduce(over reducer: any StatisticsReducer) throws(ModifierError) {
        guard reducer.size > 1, !sites.isEmpty else { return }
        var payload = StatisticsPayload()
        for site in sites { bySite[site]!.append(to: &payload) }
        var parts = try reducer.allGather(payload)
        for site in sites { try bySite[site]!.replace(from: &parts) }
    }

    /// Whether weight observer `args.observer` weighs its search by the inputs' importance.
    static func isImatrix(_ args: QuantizationArgs) -> Bool {
        ["imatrix_mse", "nvfp4_expanded_imatrix"].contains(args.observer.flatMap(ObserverNames.registered))
    }

    /// The importance of each served entry's input channels. An entry whose inputs got no token, or
    /// whose statistics are not finite or all zero, gets none: its search is unweighted, as
    /// llm-compressor falls back (with a warning), unless its observer is `strict`.
    /// - Throws: `unquantizableWeight` for such an entry of a `strict` observer.
    func importance(plan: OneshotPlan) throws(ModifierError) -> [Int: [Float]] {
        var result: [Int: [Float]] = [:]
        for (i, site, strict) in entries {
            if let importance = bySite[site]!.importance {
                result[i] = importance
            } else if strict {
                throw .unquantizableWeight(tensor: plan.quantization.entries[i].tensor.name,
                                           reason: "its imatrix observer (strict) got no usable importance: its inputs saw no token, or their squares are not finite or all zero")
            }
        }
        return result
    }
}

/// One site's per-channel sums of squared inputs and the tokens seen (``InputImportance``).
final class SquareSums {
    private var columnSums: SampleColumnSums
    /// Rounds an input to the dtype of the layer's weight, in which torch's layer receives it.
    private let round: (Float) -> Float

    init(dtype: DType, keepsSamples: Bool) {
        columnSums = SampleColumnSums(keepsSamples: keepsSamples)
        switch dtype {
        case .bf16: round = BF16Storage.rounded
        case .f16: round = F16Storage.rounded
        default: round = { $0 }
        }
    }

    /// Adds one sample's `rows` tokens of `width` values, rows `stride` apart.
    func add(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
        guard rows > 0 else { return }
        var squares = [Float](repeating: 0, count: rows * width)
        for r in 0..<rows {
            for c in 0..<width {
                let x = round(values[r * stride + c])
                squares[r * width + c] = x * x
            }
        }
        columnSums.add(TorchSums.columns(squares, rows: rows, width: width, stride: width), tokens: rows)
    }

    /// Appends this rank's samples' sums and tokens to `payload`.
    func append(to payload: inout StatisticsPayload) { columnSums.append(to: &payload) }

    /// Replaces the sums by every rank's samples' (`parts`, in rank order), added in that order.
    func replace(from parts: inout [StatisticsReader]) throws(ModifierError) { try columnSums.replace(from: &parts) }

    /// `E[x²]` over its mean over the channels, or nil without usable statistics (no token, a
    /// value that is not finite, all zero).
    var importance: [Float]? {
        guard columnSums.tokens > 0, let sums = columnSums.sums else { return nil }
        let count = Float(columnSums.tokens)
        let mean = sums.map { $0 / count }
        guard mean.allSatisfy({ $0.isFinite && $0 >= 0 }), mean.contains(where: { $0 != 0 }) else { return nil }
        let average = mean.withUnsafeBufferPointer { TorchSums.row($0.baseAddress!, count: $0.count) } / Float(mean.count)
        let denominator = average + Float.leastNormalMagnitude
        return mean.map { $0 / denominator }
    }
}
