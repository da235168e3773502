import Recipes

/// What calibration does besides quantizing, from the recipe's modifiers in order.
struct CalibrationProgram: Sendable {
    /// A modifier that rescales weights without changing the block's function.
    enum Smoothing: Sendable {
        case smoothQuant(SmoothQuant)
        case awq(AWQ)
    }

    /// Smoothing modifiers, applied in order before quantization.
    var smoothing: [Smoothing] = []
    /// GPTQ's settings when a GPTQModifier quantizes, nil for round-to-nearest.
    var gptq: GPTQSettings?
}

/// The GPTQModifier settings the solver takes.
struct GPTQSettings: Sendable, Equatable {
    var blockSize = 128
    var dampeningFrac = 0.01
}

extension CalibrationProgram {
    /// Reads a recipe (as `Recipe.initialized(for:)` leaves it): the one modifier that
    /// quantizes (QuantizationModifier, or GPTQModifier with its activation ordering resolved) and
    /// the SmoothQuant and AWQ modifiers, which must come before it.
    static func make(recipe: Recipe, recipeFile: String) throws(ModifierError) -> (QuantizationModifierSpec, CalibrationProgram) {
        var program = CalibrationProgram()
        var quantizing: QuantizationModifierSpec?
        for modifier in recipe.modifiers {
            if let quantizing {
                throw .unsupportedModifier(
                    name: "\(modifier.position): \(modifier.name)",
                    reason: "only one quantizing modifier per recipe is supported, and smoothing modifiers must come before it (the recipe quantizes at \(quantizing.position))")
            }
            switch modifier {
            case let .quantization(spec):
                quantizing = spec
            case let .gptq(spec):
                var resolved = spec.quantization
                resolved.configGroups = spec.resolvedConfigGroups
                quantizing = resolved
                program.gptq = GPTQSettings(blockSize: spec.blockSize, dampeningFrac: spec.dampeningFrac)
            case let .smoothQuant(spec):
                program.smoothing.append(.smoothQuant(SmoothQuant(
                    strength: Float(spec.smoothingStrength), algorithm: spec.algorithm,
                    mappings: (spec.mappings ?? []).map { SmoothQuant.Mapping(balance: $0.balanceLayers, smooth: $0.smoothLayer) },
                    ignore: spec.ignore ?? [], source: spec.position)))
            case let .awq(spec):
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
                program.smoothing.append(.awq(AWQ(
                    mappings: (spec.mappings ?? []).map { AWQ.Mapping(smooth: $0.smoothLayer, balance: $0.balanceLayers) },
                    duoScaling: duo, gridSize: spec.nGrid, source: spec.position)))
            }
        }
        guard let quantizing else { throw .noQuantizationModifier(recipe: recipeFile) }
        return (quantizing, program)
    }
}
