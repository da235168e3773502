import Architectures
import Checkpoint
import Foundation
import Recipes
import Runtime

/// llm-compressor 0.14's AWQModifier (`modifiers/transform/awq/base.py`): for each mapping, a
/// smooth layer and the balance layers that read its output, searches per-input-channel scales
/// `s` that minimize the error of the mapping's parent module when the balance weights are
/// `Q(W·s)/s`, then applies `W·s` to the balance layers and `1/s` to the smooth layer (a norm, or
/// the rows of a projection).
///
/// The grid: with `duo_scaling`, `s = (x̄^r / (w̄^(1−r) + 1e-4))` clamped to ≥ 1e-4, where `x̄` is
/// the mean magnitude of each input channel over calibration and `w̄` the mean over rows of the
/// weights normalized by their quantization group's maximum; without it, `s = x̄^r`; `s` is then
/// divided by `√(max·min)`. Ratios `r` run over `n_grid` points of [0, 1] (`duo_scaling: true`
/// also tries `r = 0` without it; `"both"` tries every ratio both ways over half the points).
struct AWQ: Sendable {
    enum DuoScaling: Sendable, Equatable { case on, off, both }

    struct Mapping: Sendable, Equatable {
        var smooth: String
        var balance: [String]
    }

    /// The mappings; a recipe that writes none gets its architecture's (`DefaultMappings`).
    var mappings: [Mapping]
    var duoScaling: DuoScaling
    var gridSize: Int
    /// Where the modifier is written: errors about its patterns point there.
    var source: SourcePosition

    /// The (ratio, duo scaling) pairs of the grid search.
    var grid: [(ratio: Double, duo: Bool)] {
        switch duoScaling {
        case .both:
            let n = gridSize / 2
            return (0..<n).flatMap { i in [(Double(i) / Double(n - 1), false), (Double(i) / Double(n - 1), true)] }
        case .off:
            return (0..<gridSize).map { (Double($0) / Double(gridSize - 1), false) }
        case .on:
            return [(0, false)] + (0..<(gridSize - 1)).map { (Double($0) / Double(gridSize - 2), true) }
        }
    }

    /// A mapping found in one block.
    struct Resolved {
        /// The smooth layer's tensor: a norm weight, or a projection weight whose rows are scaled.
        let smooth: Checkpoint.Tensor
        let balance: [(tensor: Checkpoint.Tensor, quantizer: AWQFakeQuantizer?)]
        /// The module whose output the search compares, run alone.
        let parent: LayerwiseModel.Part
        /// Where the mean input magnitudes come from: the input of the first balance layer (the
        /// first match of the first balance pattern), which llm-compressor hooks. With experts
        /// calibrated on their routed tokens, an expert's input is its routed tokens alone.
        let meansSite: LayerSite
    }

    /// The mappings that apply in one block: those whose balance layers exist beside the smooth
    /// layer, read its output with matching widths, and include a quantized layer. `everyExpert` tells
    /// how experts are calibrated (``LayerTap/calibratesEveryExpert``).
    func resolve(block entries: [QuantizationPlan.Entry], quantization: QuantizationPlan,
                 everyExpert: Bool) throws(ModifierError) -> [Resolved] {
        var result: [Resolved] = []
        let weights = entries.filter { $0.tensor.name == $0.module + ".weight" }
        let architecture = quantization.architecture
        for mapping in mappings {
            let smoothMatcher = ModuleMatcher(targets: [mapping.smooth], ignore: [], source: source)
            let balanceMatcher = ModuleMatcher(targets: mapping.balance, ignore: [], source: source)
            for smooth in weights {
                guard try smoothMatcher.matches(smooth, in: architecture.layout) else { continue }
                var balance: [QuantizationPlan.Entry] = []
                // The balance layers share the smooth layer's parent module, as llm-compressor groups
                // its matches: a norm's is the block, an expert's up_proj's is that expert.
                let scope = smooth.module.split(separator: ".").dropLast().joined(separator: ".") + "."
                // A router balanced with the experts is scaled with them (never quantized), so it routes as before.
                for candidate in weights where candidate.module.hasPrefix(scope) && (candidate.kind == .linear || candidate.kind == .router) {
                    if try balanceMatcher.matches(candidate, in: architecture.layout) { balance.append(candidate) }
                }
                let width = smooth.tensor.info.shape[0]
                guard !balance.isEmpty, balance.allSatisfy({ $0.tensor.info.shape.count == 2 && $0.tensor.info.shape[1] == width }),
                      let site = balance.lazy.compactMap({ architecture.site(ofLinear: $0.module) }).first,
                      let parent = Self.parent(site: site) else { continue }
                var resolved: [(Checkpoint.Tensor, AWQFakeQuantizer?)] = []
                for entry in balance {
                    var quantizer: AWQFakeQuantizer?
                    if case let .quantize(g) = entry.action, quantization.groups[g].scheme.weights != nil {
                        quantizer = try AWQFakeQuantizer(scheme: quantization.groups[g].scheme, group: quantization.groups[g].name,
                                                         position: source.description)
                        if duoScaling != .off { try quantizer?.requireWholeBlocks(entry.tensor.info, position: source.description) }
                    }
                    resolved.append((entry.tensor, quantizer))
                }
                guard resolved.contains(where: { $0.1 != nil }) else { continue }
                let hooked = try firstBalanceLayer(of: mapping, among: balance, in: architecture.layout)
                // A router reads the MLP's input.
                let meansSite = architecture.site(ofLinear: hooked.module, everyExpert: everyExpert) ?? parent.inputSite
                result.append(Resolved(smooth: smooth.tensor, balance: resolved, parent: parent, meansSite: meansSite))
            }
        }
        return result
    }

    /// Resolves the mappings in every block (`blocks`, entry indices of `quantization`) as
    /// calibration will, so that a plan refuses what calibration would (a balance layer whose
    /// scheme AWQ cannot fake-quantize), and refuses a mapping that would rescale a layer that one
    /// of the first `quantizingBefore` quantizing modifiers (GPTQModifiers, which write their
    /// solution into the weights before this modifier runs) has quantized already.
    func requireResolvable(blocks: [[Int]], quantization: QuantizationPlan, quantizingBefore: Int,
                           modifiers: [QuantizationModifierSpec]) throws(ModifierError) {
        var quantizedBefore: [String: Int] = [:]
        for i in quantization.entries.indices {
            if let m = quantization.modifier(ofEntry: i), m < quantizingBefore { quantizedBefore[quantization.entries[i].tensor.name] = m }
        }
        for block in blocks {
            for mapping in try resolve(block: block.map { quantization.entries[$0] }, quantization: quantization, everyExpert: true) {
                for tensor in [mapping.smooth] + mapping.balance.map(\.tensor) {
                    guard let m = quantizedBefore[tensor.name] else { continue }
                    throw .unsupportedModifier(
                        name: "\(source): AWQModifier",
                        reason: "the mapping of '\(mapping.smooth.name)' would rescale '\(tensor.name)', which the GPTQModifier at \(modifiers[m].position) quantizes before it; map only layers that modifiers after it quantize")
                }
            }
        }
    }

    /// The balance layer llm-compressor takes the mean input magnitudes from: its balance layers
    /// are listed pattern by pattern, each pattern's matches in module order.
    private func firstBalanceLayer(of mapping: Mapping, among balance: [QuantizationPlan.Entry],
                                   in layout: DecoderLayout) throws(ModifierError) -> QuantizationPlan.Entry {
        for pattern in mapping.balance {
            let matcher = ModuleMatcher(targets: [pattern], ignore: [], source: source)
            for entry in balance {
                if try matcher.matches(entry, in: layout) { return entry }
            }
        }
        return balance[0]
    }

    /// The parent module (the balance layers' lowest common ancestor) of balance layers at `site`:
    /// the attention or MLP module for the projections a norm feeds, else the projection alone
    /// (a dense MLP's, an expert's or the shared expert's down projection, latent attention's
    /// `o_proj`, `q_b_proj` or `kv_b_proj`).
    private static func parent(site: LayerSite) -> LayerwiseModel.Part? {
        switch site {
        case .attentionInput: return .attention
        case .feedForwardInput: return .feedForward
        case .attentionOutput: return .outputProjection
        case .feedForwardInner: return .downProjection
        case .latentQuery: return .latentQueryUp
        case .latentKeyValue: return .latentKeyValueUp
        case let .expertInner(e): return .expertDownProjection(e)
        case .sharedExpertInner: return .sharedExpertDownProjection
        case .queries, .keys, .values, .expertInput, .headInput: return nil
        }
    }

    /// Mean over rows of each column of the balance weights, each normalized by the largest
    /// magnitude of its quantization chunk or block (`_compute_layer_means`).
    /// Kept in float64, as llm-compressor's (its sum is high-precision).
    static func weightMeans(_ weights: [(values: [Float], quantizer: AWQFakeQuantizer?)], columns: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        var rows = 0
        for (values, quantizer) in weights {
            guard let quantizer else { continue }
            rows += values.count / columns
            guard quantizer.block == nil else {
                quantizer.addBlockMagnitudes(values, columns: columns, to: &sums)
                continue
            }
            let chunk = quantizer.chunk(columns: columns, count: values.count)
            for start in stride(from: 0, to: values.count, by: chunk) {
                let end = Swift.min(start + chunk, values.count)
                let peak = values[start..<end].reduce(Float(0)) { Swift.max($0, abs($1)) } + 1e-6
                for i in start..<end { sums[i % columns] += Double(abs(values[i]) / peak) }
            }
        }
        return sums.map { $0 / Double(Swift.max(rows, 1)) }
    }

    /// The candidate scales for `ratio`, in llm-compressor's precision: `x̄^r` in float32; with
    /// duo scaling the float64 weight means promote the quotient and the normalization to
    /// float64. The exact bits matter: with symmetric groups a group's largest magnitude
    /// quantizes to ±7.5 steps, a rounding tie, so one ulp of `W·s` flips its code.
    static func scales(activationMeans x: [Float], weightMeans w: [Double]?, ratio: Double) -> [Double] {
        guard let w else {
            var s = x.map { Swift.max(Foundation.pow($0, Float(ratio)), 1e-4) }
            let norm = (s.max()! * s.min()!).squareRoot()
            for c in s.indices { s[c] /= norm }
            return s.map { $0.isFinite ? Double($0) : 1 }
        }
        var s = x.indices.map { c in Swift.max(Double(Foundation.pow(x[c], Float(ratio))) / (Foundation.pow(w[c], 1 - ratio) + 1e-4), 1e-4) }
        let norm = (s.max()! * s.min()!).squareRoot()
        for c in s.indices {
            s[c] /= norm
            if !s[c].isFinite { s[c] = 1 }
        }
        return s
    }
}
