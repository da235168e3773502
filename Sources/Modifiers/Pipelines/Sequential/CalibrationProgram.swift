import Recipes

/// What calibration does besides quantizing, from the recipe's modifiers in order.
struct CalibrationProgram: Sendable {
    /// A modifier that rescales weights without changing the block's function.
    enum Smoothing: Sendable {
        case smoothQuant(SmoothQuant)
        case awq(AWQ)
    }

    /// Smoothing modifiers in recipe order, each with the number of quantizing modifiers before
    /// it: 0 for those before all of them, applied to the unquantized model; an AWQModifier after
    /// GPTQModifiers only smooths the model as they left it (``passes``).
    var smoothing: [(step: Smoothing, quantizingBefore: Int)] = []
    /// For each quantizing modifier, in recipe order: GPTQ's settings for a GPTQModifier, nil for
    /// a QuantizationModifier (round to nearest).
    var gptq: [GPTQSettings?] = []
}

/// One of llm-compressor's calibration passes over the model. Its `independent` pipeline (the
/// default) runs each modifier as its own sequential pass over the model as the modifiers before
/// it left it: a GPTQModifier's layers stay quantized for every later pass (GPTQ writes its
/// solution into the weights), round-to-nearest ones do not (their qparams only are set).
/// Round-to-nearest modifiers between two GPTQModifiers thus see the same hidden states, and
/// share one pass here.
struct CalibrationPass: Sendable {
    /// The GPTQModifier whose layers this pass calibrates and solves (its index among the
    /// quantizing modifiers), nil for the pass before the first GPTQModifier.
    var gptq: (modifier: Int, settings: GPTQSettings)?
    /// The smoothing modifiers that run on this pass's hidden states once its GPTQModifier has
    /// solved the block: in llm-compressor's `independent` pipeline, an AWQModifier after a
    /// GPTQModifier runs its own pass over the model that GPTQ quantized; smoothing preserves
    /// the block's function, so the GPTQ pass's hidden states, propagated through the smoothed
    /// block, are that pass's too.
    var smoothing: [CalibrationProgram.Smoothing] = []
    /// The round-to-nearest modifiers whose observers see the block as this pass leaves it.
    var observing: [Int] = []
}

extension CalibrationProgram {
    /// The passes calibration makes, in order. The pass before the first GPTQModifier (on the
    /// unquantized model) is made when smoothing or a round-to-nearest modifier needs it, or when
    /// there is no GPTQModifier. Smoothing after GPTQModifiers joins the last one's pass.
    var passes: [CalibrationPass] {
        func smoothing(after count: Int) -> [Smoothing] { self.smoothing.filter { $0.quantizingBefore == count }.map(\.step) }
        var result = [CalibrationPass(smoothing: smoothing(after: 0))]
        for (m, settings) in gptq.enumerated() {
            if let settings {
                result.append(CalibrationPass(gptq: (m, settings)))
            } else {
                result[result.count - 1].observing.append(m)
            }
            result[result.count - 1].smoothing += smoothing(after: m + 1)
        }
        if result.count > 1, result[0].smoothing.isEmpty, result[0].observing.isEmpty { result.removeFirst() }
        return result
    }
}

/// The GPTQModifier settings the solver takes.
struct GPTQSettings: Sendable, Equatable {
    var blockSize = 128
    var dampeningFrac = 0.01
}

extension CalibrationProgram {
    /// Reads a recipe (as `Recipe.initialized(for:)` leaves it): the modifiers that quantize
    /// (QuantizationModifier, or GPTQModifier with its activation ordering resolved), in recipe
    /// order, and the SmoothQuant and AWQ modifiers, which must come before all of them (an
    /// AWQModifier may come after GPTQModifiers only). At most one of the quantizing modifiers may
    /// have a `kv_cache_scheme`.
    static func make(recipe: Recipe, recipeFile: String) throws(ModifierError) -> ([QuantizationModifierSpec], CalibrationProgram) {
        var program = CalibrationProgram()
        var quantizing: [QuantizationModifierSpec] = []
        for modifier in recipe.modifiers {
            switch modifier {
            case let .quantization(spec):
                try requireOneKeyValueScheme(spec, among: quantizing)
                quantizing.append(spec)
                program.gptq.append(nil)
            case let .gptq(spec) where !spec.hasConfiguration:
                try solveWithGPTQ(earlier: quantizing, by: spec, program: &program)
            case let .gptq(spec):
                var resolved = spec.quantization
                resolved.configGroups = spec.resolvedConfigGroups
                try requireOneKeyValueScheme(resolved, among: quantizing)
                quantizing.append(resolved)
                program.gptq.append(GPTQSettings(blockSize: spec.blockSize, dampeningFrac: spec.dampeningFrac))
            case let .smoothQuant(spec):
                try requireNoQuantizationBefore(modifier, quantizing)
                program.smoothing.append((.smoothQuant(SmoothQuant(
                    strength: Float(spec.smoothingStrength), algorithm: spec.algorithm,
                    mappings: (spec.mappings ?? []).map { SmoothQuant.Mapping(balance: $0.balanceLayers, smooth: $0.smoothLayer) },
                    ignore: spec.ignore ?? [], source: spec.position)), 0))
            case let .awq(spec):
                try requireOnlyGPTQBefore(modifier, quantizing, program: program)
                if let hooked = spec.mappings?.first(where: { $0.activationHookTarget != nil }) {
                    throw .unsupportedModifier(name: "\(spec.position): AWQModifier",
                                               reason: "activation_hook_target (mapping of '\(hooked.smoothLayer)') is not supported")
                }
                let duo: AWQ.DuoScaling
                switch spec.duoScaling {
                case .on: duo = .on
                case .off: duo = .off
                case .both: duo = .both
                }
                program.smoothing.append((.awq(AWQ(
                    mappings: (spec.mappings ?? []).map { AWQ.Mapping(smooth: $0.smoothLayer, balance: $0.balanceLayers) },
                    duoScaling: duo, gridSize: spec.nGrid, source: spec.position)), quantizing.count))
            }
        }
        guard !quantizing.isEmpty else { throw .noQuantizationModifier(recipe: recipeFile) }
        return (quantizing, program)
    }

    /// A GPTQModifier without a configuration of its own solves, in llm-compressor, the Linear
    /// layers that the modifiers before it gave a weight scheme, with those schemes as written
    /// (their `actorder` included, GPTQ's own not applied), in one pass of its own. Here that is
    /// the one round-to-nearest QuantizationModifier before it, weights only, turned into the GPTQ
    /// pass: its layers are then solved as a GPTQModifier with its config groups solves them.
    private static func solveWithGPTQ(earlier quantizing: [QuantizationModifierSpec], by spec: GPTQModifierSpec,
                                      program: inout CalibrationProgram) throws(ModifierError) {
        let name = "\(spec.quantization.position): GPTQModifier"
        guard let earlier = quantizing.first else {
            throw .unsupportedModifier(name: name, reason: "it has no scheme, config_groups or kv_cache_scheme, and no QuantizationModifier before it gives layers a scheme to solve")
        }
        guard quantizing.count == 1, program.gptq[0] == nil else {
            throw .unsupportedModifier(
                name: name,
                reason: "without a scheme of its own it would solve the layers of every quantizing modifier before it (\(quantizing.map(\.position.description).joined(separator: ", "))); give it a scheme or config_groups")
        }
        if earlier.kvCacheScheme != nil || earlier.configGroups.contains(where: { $0.scheme.requiresCalibration }) {
            throw .unsupportedModifier(
                name: name,
                reason: "without a scheme of its own it would solve the layers of the QuantizationModifier at \(earlier.position), which calibrates activations or the KV cache; give the GPTQModifier that scheme instead")
        }
        program.gptq[0] = GPTQSettings(blockSize: spec.blockSize, dampeningFrac: spec.dampeningFrac)
    }

    /// Smoothing after a quantizing modifier would change weights whose quantization llm-compressor
    /// has already decided.
    private static func requireNoQuantizationBefore(_ modifier: RecipeModifier, _ quantizing: [QuantizationModifierSpec]) throws(ModifierError) {
        guard let last = quantizing.last else { return }
        throw .unsupportedModifier(
            name: "\(modifier.position): \(modifier.name)",
            reason: "smoothing modifiers must come before the quantizing modifiers (the recipe quantizes at \(last.position))")
    }

    /// An AWQModifier after GPTQModifiers smooths the model they quantized (GPTQ writes its
    /// solution into the weights); after a round-to-nearest modifier it would change weights whose
    /// quantization llm-compressor has already decided.
    private static func requireOnlyGPTQBefore(_ modifier: RecipeModifier, _ quantizing: [QuantizationModifierSpec],
                                              program: CalibrationProgram) throws(ModifierError) {
        guard let m = program.gptq.firstIndex(where: { $0 == nil }) else { return }
        throw .unsupportedModifier(
            name: "\(modifier.position): \(modifier.name)",
            reason: "smoothing modifiers must come before the round-to-nearest QuantizationModifier at \(quantizing[m].position) (only GPTQModifiers may come before an AWQModifier)")
    }

    /// llm-compressor applies each modifier's KV cache scheme to every attention module in turn,
    /// the last replacing the others, while each calibrates it: one per recipe.
    private static func requireOneKeyValueScheme(_ spec: QuantizationModifierSpec, among earlier: [QuantizationModifierSpec]) throws(ModifierError) {
        guard spec.kvCacheScheme != nil, let other = earlier.first(where: { $0.kvCacheScheme != nil }) else { return }
        throw .unsupportedModifier(
            name: "\(spec.position): kv_cache_scheme",
            reason: "the modifier at \(other.position) has a kv_cache_scheme already; one modifier per recipe may quantize the KV cache")
    }
}
