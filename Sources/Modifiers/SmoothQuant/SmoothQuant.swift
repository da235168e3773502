import Architectures
import Checkpoint
import Recipes
import Foundation
import Runtime

/// llm-compressor's SmoothQuantModifier: moves activation outliers into the weights. For each
/// mapping, a norm (the smooth layer) and the Linear layers reading its output (the balance
/// layers), per input channel j:
///
///     s_j = range(X_j)^α / (2·max|W_:,j|)^(1−α)     (range: max − min over calibration; α: strength)
///
/// (s_j = range(X_j) where the weights are all zero, and never below 1e-5); the balance weights'
/// column j is multiplied by s_j and the norm's weight divided by it, which leaves the block's
/// function unchanged (`llmcompressor/modifiers/transform/smoothquant/base.py`).
///
/// One difference: for norms that scale by `1 + weight` (Gemma), the stored weight becomes
/// `(1 + w)/s − 1`, so the function is kept; llm-compressor divides `w`.
struct SmoothQuant: Sendable {
    /// A mapping as a recipe writes it: balance layer patterns and the smooth layer pattern.
    struct Mapping: Sendable, Equatable {
        var balance: [String]
        var smooth: String
    }

    var strength: Float
    /// SmoothQuant's formula, or Logarithmic Equalization's `s_j = range(X_j) / log2(2 + range(X_j))`.
    var algorithm: SmoothingAlgorithm = .smoothQuant
    /// The mappings; a recipe that writes none gets its architecture's (`DefaultMappings`).
    var mappings: [Mapping]
    var ignore: [String]
    /// Where the modifier is written: errors about its patterns point there.
    var source: SourcePosition

    /// A mapping found in one block: the norm's weight tensor, the balance weights and the site
    /// whose activations the norm produces.
    struct Resolved {
        let norm: Checkpoint.Tensor
        let balance: [Checkpoint.Tensor]
        let site: LayerSite
    }

    /// The mappings that apply in one block, given its entries.
    /// - Throws: `unsupportedModifier` when a mapping's norm does not feed its balance layers.
    func resolve(block entries: [QuantizationPlan.Entry], spec: DecoderSpec) throws(ModifierError) -> [Resolved] {
        let ignored = ModuleMatcher(targets: [], ignore: ignore, source: source)
        var result: [Resolved] = []
        for mapping in mappings {
            let smoothMatcher = ModuleMatcher(targets: [mapping.smooth], ignore: [], source: source)
            let balanceMatcher = ModuleMatcher(targets: mapping.balance, ignore: [], source: source)
            for entry in entries where entry.kind == .norm && entry.tensor.name == entry.module + ".weight" {
                guard try smoothMatcher.matches(entry) else { continue }
                var balance: [QuantizationPlan.Entry] = []
                // A router balanced with the experts is scaled with them (never quantized), so it routes as before.
                for candidate in entries where [.linear, .router].contains(candidate.kind) && candidate.tensor.name == candidate.module + ".weight" {
                    if try balanceMatcher.matches(candidate, in: spec.architecture.layout), !(try ignored.isIgnored(candidate)) { balance.append(candidate) }
                }
                guard !balance.isEmpty else { continue }
                // The norm's output is every token's, whichever experts the tokens are routed to.
                let sites = Set(balance.compactMap { spec.architecture.site(ofLinear: $0.module) })
                let inputs: [LayerSite: LinearInput] = [.attentionInput: .attentionInput, .feedForwardInput: .feedForwardInput]
                guard sites.count == 1, let site = sites.first, let input = inputs[site],
                      spec.architecture.layout.norm(feeding: input) == QuantizationPlan.split(entry.module).parameter else {
                    throw .unsupportedModifier(
                        name: "SmoothQuantModifier",
                        reason: "mapping smooth layer '\(entry.module)' does not feed balance layers \(balance.map(\.module))")
                }
                result.append(Resolved(norm: entry.tensor, balance: balance.map(\.tensor), site: site))
            }
        }
        return result
    }

    /// The smoothing scales of one mapping from the channel range of its activations and its
    /// balance weights (each `rows × columns`, row-major).
    func scales(range: ChannelRange, balance: [(values: [Float], rows: Int)], columns: Int) -> [Float] {
        var weightMax = [Float](repeating: 0, count: columns)
        for (values, rows) in balance {
            for r in 0..<rows {
                for c in 0..<columns { weightMax[c] = Swift.max(weightMax[c], abs(values[r * columns + c])) }
            }
        }
        var result = [Float](repeating: 0, count: columns)
        for c in 0..<columns {
            let activation = range.maximum[c] - range.minimum[c]
            let weight = 2 * weightMax[c]
            let s: Float
            switch algorithm {
            case .logEqualization: s = activation / log2(2 + activation)
            case .smoothQuant: s = weight > 0 ? Float.pow(activation, strength) / Float.pow(weight, 1 - strength) : activation
            }
            result[c] = Swift.max(s, 1e-5)
        }
        return result
    }
}

private extension Float {
    static func pow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }
}
