import Checkpoint
import CompressedTensors
import Recipes
import Runtime
import Tokenizers

/// Why a recipe cannot be applied to a checkpoint. One line each, naming the tensor, module or
/// recipe entry at fault.
public enum ModifierError: Error, Equatable, CustomStringConvertible {
    case checkpoint(CheckpointError)
    /// A scheme compressed-tensors cannot store, or a pattern of its config groups that ran out of
    /// its matching step budget.
    case compressedTensors(CompressedTensorsError)
    /// Running the model on calibration data failed.
    case runtime(RuntimeError)
    /// The model's tokenizer, needed to tokenize calibration data, could not be loaded.
    case tokenizer(TokenizerError)
    case recipe(String)
    /// A `re:` pattern of the recipe (or quantization_config) that ran out of its matching step
    /// budget (`RecipeError.patternTooSlow`).
    case pattern(RecipeError)
    case noQuantizationModifier(recipe: String)
    case unsupportedModifier(name: String, reason: String)
    /// The recipe calibrates but no data was given: the modifiers that need it, each as
    /// `NAME at FILE:LINE:COLUMN` with what in it needs data.
    case needsCalibration(modifiers: [String])
    /// A config group (of the modifier at `position`) whose targets match no Linear layer left
    /// out of `ignore`: its output would be the unquantized model under a quantization_config.
    case matchesNothing(position: String, group: String, targets: [String])
    case unsupportedScheme(group: String, reason: String)
    /// A weight observer (of config group `group`, in the modifier at `position`) this port
    /// cannot run on that group's weights; never replaced by another.
    case unsupportedObserver(position: String, group: String, observer: String, reason: String)
    case notLinear(module: String, kind: String, target: String)
    case unquantizableWeight(tensor: String, reason: String)
    case nonFinite(tensor: String, row: Int)
    case missingConfig(directory: String)
    case noTensors(directory: String)
    case cancelled
    /// Calibration across MPI ranks failed: Open MPI could not be loaded or started, a collective
    /// failed, or the ranks disagree.
    case mpi(String)

    public var description: String {
        switch self {
        case let .checkpoint(e): return e.description
        case let .compressedTensors(e): return e.description
        case let .runtime(e): return e.description
        case let .tokenizer(e): return e.description
        case let .recipe(m): return m
        case let .pattern(e): return e.description
        case let .noQuantizationModifier(r): return "\(r): the recipe has no QuantizationModifier"
        case let .unsupportedModifier(n, r): return "\(n): \(r)"
        case let .needsCalibration(m):
            return "\(m.joined(separator: " and ")) \(m.count == 1 ? "needs" : "need") calibration data: pass a dataset (`--dataset FILE`), or use a dynamic-activation or weight-only scheme"
        case let .matchesNothing(p, g, t):
            return "\(p): config group '\(g)': its targets [\(t.joined(separator: ", "))] match no Linear layer of the model outside `ignore` (targets are class names such as Linear, module names or re: patterns, matched case-sensitively)"
        case let .unsupportedScheme(g, r): return "\(g): \(r)"
        case let .unsupportedObserver(p, g, o, r): return "\(p): config group '\(g)': weight observer '\(o)' is not supported: \(r)"
        case let .notLinear(m, k, t): return "target '\(t)' matches module '\(m)', which is \(k), neither a Linear nor an Embedding layer; only Linear and Embedding layers can be quantized"
        case let .unquantizableWeight(t, r): return "tensor '\(t)': \(r)"
        case let .nonFinite(t, r): return "tensor '\(t)': row \(r) holds NaN or Inf; refusing to quantize it (--allow-nonfinite quantizes it as llm-compressor does)"
        case let .missingConfig(d): return "\(d): no config.json; a model folder needs one"
        case let .noTensors(d): return "\(d): the safetensors files hold no tensors; there is nothing to compress"
        case .cancelled: return "cancelled"
        case let .mpi(m): return m
        }
    }
}
