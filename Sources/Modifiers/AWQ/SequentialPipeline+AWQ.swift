import Checkpoint
import Runtime

extension SequentialPipeline {
    /// One AWQ modifier on block `b`: a pass over copies of the hidden states records each mapping's
    /// mean input magnitudes and the inputs of its parent module; then, mapping by mapping, the grid
    /// search runs the parent on those inputs with fake-quantized candidates and the best scales
    /// are applied (rounded to the weights' dtypes). A mapping whose parent or first balance layer
    /// saw no token (an expert no calibration token was routed to) is left as it is, as
    /// llm-compressor skips it. Over several ranks, the means and each candidate's loss are those
    /// of every rank's samples.
    func balance(_ step: AWQ, block b: Int, entries: [QuantizationPlan.Entry], hidden: [[Float]],
                 replacements: inout [String: [Float]]) throws(ModifierError) {
        let mappings = try step.resolve(block: entries, quantization: plan.quantization, everyExpert: everyExpert)
        guard !mappings.isEmpty else { return }
        var sites: [LayerSite] = []
        for mapping in mappings {
            for site in [mapping.parent.inputSite, mapping.meansSite] where !sites.contains(site) { sites.append(site) }
        }
        let inputs = try recordInputs(sites: sites, block: b, hidden: hidden, replacements: replacements)
        try inputs.reduceSums(sites: sites, over: reducer)
        for mapping in mappings {
            guard inputs.count(mapping.parent.inputSite) > 0, inputs.count(mapping.meansSite) > 0 else { continue }
            let columns = mapping.smooth.info.shape[0]
            let means = inputs.means(mapping.meansSite)
            let reference = try outputs(of: mapping.parent, block: b, inputs: inputs, replacements: replacements)
            var original: [(values: [Float], quantizer: AWQFakeQuantizer?)] = []
            for (tensor, quantizer) in mapping.balance { original.append((try values(tensor.name, replacements), quantizer)) }
            let weightMeans = AWQ.weightMeans(original, columns: columns)
            let fused = try FusedCandidates(plan: plan, balance: mapping.balance.map(\.tensor.name)) { name throws(ModifierError) in
                try values(name, replacements)
            }
            var candidates: [(scales: [Double], error: SquaredError)] = []
            for (ratio, duo) in step.grid {
                try cancellation?.check()
                let scales = AWQ.scales(activationMeans: means, weightMeans: duo ? weightMeans : nil, ratio: ratio)
                let scaled = zip(mapping.balance, original).map { balance, weight in
                    balance.quantizer == nil ? [] : StoredValues.rounded(Self.scaleColumns(weight.values, by: scales), to: balance.tensor.info.dtype)
                }
                var candidate = replacements
                for (k, (tensor, quantizer)) in mapping.balance.enumerated() {
                    guard let quantizer else { continue }
                    let quantized = try quantizer.apply(scaled[k], tensor: tensor.info, threads: threads, context: fused.context(k, scaled: scaled))
                    candidate[tensor.name] = StoredValues.rounded(Self.divideColumns(quantized, by: scales), to: tensor.info.dtype)
                }
                let produced = try outputs(of: mapping.parent, block: b, inputs: inputs, replacements: candidate)
                candidates.append((scales, SquaredError(produced, reference)))
            }
            var best: (loss: Double, scales: [Double])?
            for (k, loss) in try SquaredError.means(candidates.map(\.error), over: reducer).enumerated() {
                if loss.isFinite, loss < (best?.loss ?? .infinity) { best = (loss, candidates[k].scales) }
            }
            guard let scales = best?.scales else {
                throw .unsupportedModifier(name: "AWQModifier", reason: "no finite loss in the grid search for '\(mapping.smooth.name)'")
            }
            for ((tensor, _), weight) in zip(mapping.balance, original) {
                replacements[tensor.name] = StoredValues.rounded(Self.scaleColumns(weight.values, by: scales), to: tensor.info.dtype)
            }
            try divideSmoothLayer(mapping.smooth, by: scales, replacements: &replacements)
        }
    }

    /// Each sample's activations at `sites` (contiguous copies) and each site's per-channel sum of
    /// magnitudes, from one pass of the block over copies of the hidden states.
    private func recordInputs(sites: [LayerSite], block b: Int, hidden: [[Float]],
                              replacements: [String: [Float]]) throws(ModifierError) -> RecordedInputs {
        let recorded = RecordedInputs(keepsSamples: reducer.size > 1)
        let tap = SiteTap(everyExpert: everyExpert)
        for site in sites { tap.add(site) { values, rows, width, stride in recorded.record(site, values, rows: rows, width: width, stride: stride) } }
        let block = try loadBlock(b, replacements)
        var copies = hidden
        try run(block, &copies, tap: tap)
        return recorded
    }

    /// The parent's output for every recorded sample with the block's weights as `replacements` leave them.
    private func outputs(of part: LayerwiseModel.Part, block b: Int, inputs: RecordedInputs,
                         replacements: [String: [Float]]) throws(ModifierError) -> [[Float]] {
        let block = try loadBlock(b, replacements)
        return inputs.samples(part.inputSite).map { sample in
            sample.values.withUnsafeBufferPointer { model.run(part, of: block, input: $0.baseAddress!, rows: sample.rows) }
        }
    }

    /// Divides the smooth layer by `scales`: a norm's weight (kept as `(offset + w)/s − offset`),
    /// or the rows of a projection's weight and its bias.
    private func divideSmoothLayer(_ smooth: Checkpoint.Tensor, by scales: [Double],
                                   replacements: inout [String: [Float]]) throws(ModifierError) {
        var weight = try values(smooth.name, replacements)
        if smooth.info.shape.count == 1 {
            let offset = model.spec.normWeightOffset
            for c in scales.indices { weight[c] = Float(Double(weight[c] + offset) / scales[c]) - offset }
        } else {
            let columns = smooth.info.shape[1]
            for r in scales.indices { for c in 0..<columns { weight[r * columns + c] = Float(Double(weight[r * columns + c]) / scales[r]) } }
            let biasName = String(smooth.name.dropLast("weight".count)) + "bias"
            if let bias = plan.checkpoint.tensors.first(where: { $0.name == biasName }) {
                var values = try values(biasName, replacements)
                for r in scales.indices { values[r] = Float(Double(values[r]) / scales[r]) }
                replacements[biasName] = StoredValues.rounded(values, to: bias.info.dtype)
            }
        }
        replacements[smooth.name] = StoredValues.rounded(weight, to: smooth.info.dtype)
    }

    /// `values` (`rows × scales.count`) with column `c` multiplied by `scales[c]`, computed in
    /// float64 and rounded to float32 (torch promotes a float32 weight times float64 scales).
    static func scaleColumns(_ values: [Float], by scales: [Double]) -> [Float] {
        let columns = scales.count
        return values.indices.map { Float(Double(values[$0]) * scales[$0 % columns]) }
    }

    /// `values` (`rows × scales.count`) with column `c` divided by `scales[c]`, as `scaleColumns` rounds.
    static func divideColumns(_ values: [Float], by scales: [Double]) -> [Float] {
        let columns = scales.count
        return values.indices.map { Float(Double(values[$0]) / scales[$0 % columns]) }
    }

}

/// The squared differences of a candidate's outputs from the reference, summed over every value
/// of a rank's samples, with the number of values.
struct SquaredError {
    var sum = 0.0
    var count = 0

    init(_ a: [[Float]], _ b: [[Float]]) {
        for (x, y) in zip(a, b) {
            for i in x.indices { let d = Double(x[i] - y[i]); sum += d * d }
            count += x.count
        }
    }

    /// Each candidate's mean over the values of every rank (`errors` in grid order, the same
    /// candidates on every rank), the ranks' sums added in rank order.
    static func means(_ errors: [SquaredError], over reducer: any StatisticsReducer) throws(ModifierError) -> [Double] {
        var totals = errors
        if reducer.size > 1 {
            var payload = StatisticsPayload()
            for error in errors {
                payload.append(error.sum)
                payload.append(error.count)
            }
            var parts = try reducer.allGather(payload)
            for k in totals.indices { totals[k] = SquaredError() }
            for r in parts.indices {
                for k in totals.indices {
                    totals[k].sum += try parts[r].double()
                    totals[k].count += try parts[r].int()
                }
            }
        }
        return totals.map { $0.count == 0 ? 0 : $0.sum / Double($0.count) }
    }

    private init() {}
}

/// Activations recorded at some sites of a block, per sample, with per-channel magnitude sums
/// in llm-compressor's float32 arithmetic: each sample's column sums as torch's CPU `sum(dim=0)`
/// cascades them (``TorchSums/columns(_:rows:width:stride:)``), added up sample by sample.
final class RecordedInputs {
    private var recorded: [LayerSite: [(values: [Float], rows: Int)]] = [:]
    private var magnitudes: [LayerSite: SampleColumnSums] = [:]
    /// Whether each sample's sums are kept for ``reduceSums(sites:over:)`` (several ranks).
    private let keepsSamples: Bool

    init(keepsSamples: Bool) { self.keepsSamples = keepsSamples }

    func record(_ site: LayerSite, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
        var copy = [Float](repeating: 0, count: rows * width)
        for r in 0..<rows {
            for c in 0..<width { copy[r * width + c] = abs(values[r * stride + c]) }
        }
        magnitudes[site, default: SampleColumnSums(keepsSamples: keepsSamples)]
            .add(TorchSums.columns(copy, rows: rows, width: width, stride: width), tokens: rows)
        for r in 0..<rows {
            for c in 0..<width { copy[r * width + c] = values[r * stride + c] }
        }
        recorded[site, default: []].append((copy, rows))
    }

    /// Makes the magnitude sums and counts at `sites` (in the same order on every rank) those of
    /// every rank's samples, the samples' sums added in calibration order (rank order), as one
    /// process adds them.
    func reduceSums(sites: [LayerSite], over reducer: any StatisticsReducer) throws(ModifierError) {
        guard reducer.size > 1 else { return }
        var payload = StatisticsPayload()
        for site in sites { (magnitudes[site] ?? SampleColumnSums(keepsSamples: true)).append(to: &payload) }
        var parts = try reducer.allGather(payload)
        for site in sites { try magnitudes[site, default: SampleColumnSums(keepsSamples: true)].replace(from: &parts) }
    }

    /// How many rows were recorded at `site` (over every rank once ``reduceSums(sites:over:)`` ran).
    func count(_ site: LayerSite) -> Int { magnitudes[site]?.tokens ?? 0 }

    /// Each sample's activations at `site`.
    func samples(_ site: LayerSite) -> [(values: [Float], rows: Int)] { recorded[site] ?? [] }

    /// The mean magnitude of each channel at `site` (float32, as llm-compressor divides).
    func means(_ site: LayerSite) -> [Float] {
        let count = Float(Swift.max(count(site), 1))
        return (magnitudes[site]?.sums ?? []).map { $0 / count }
    }
}

/// The fused groups (q/k/v, gate/up: `OneshotPlan.fusedGroups`) among one AWQ mapping's balance
/// layers: llm-compressor links their weight observers for the grid search
/// (`fuse_weight_observers` on the parent), so each candidate's global scale comes from the
/// largest magnitude over the group's scaled candidates, and the current weights of members the
/// mapping does not balance.
struct FusedCandidates {
    /// For each balance layer in a fused group: the other balance layers of its group, and the
    /// largest magnitude of its members outside the mapping.
    private let groups: [Int: (balance: [Int], others: Float)]

    init(plan: OneshotPlan, balance: [String], values: (String) throws(ModifierError) -> [Float]) throws(ModifierError) {
        var groups: [Int: (balance: [Int], others: Float)] = [:]
        for members in plan.fusedGroups {
            let names = members.map { plan.quantization.entries[$0].tensor.name }
            let inside = names.compactMap { balance.firstIndex(of: $0) }
            guard !inside.isEmpty else { continue }
            var others: Float = 0
            for name in names where !balance.contains(name) {
                others = Swift.max(others, try values(name).reduce(0) { Swift.max($0, abs($1)) })
            }
            for k in inside { groups[k] = (inside, others) }
        }
        self.groups = groups
    }

    /// The context balance layer `k` is quantized with, given every balance layer's `scaled` candidate.
    func context(_ k: Int, scaled: [[Float]]) -> QuantizationContext {
        guard let group = groups[k] else { return .none }
        var context = QuantizationContext.none
        context.groupAbsmax = group.balance.reduce(group.others) { m, j in scaled[j].reduce(m) { Swift.max($0, abs($1)) } }
        return context
    }
}
