import Checkpoint
import Recipes

/// Everything `oneshot` will do, decided before any tensor data is read: the checkpoint, the
/// modifier, what becomes of each tensor and what is written. `--dry-run` prints this.
public struct OneshotPlan {
    public let checkpoint: Checkpoint
    public let recipe: Recipe
    public let modifier: QuantizationModifierSpec
    public let quantization: QuantizationPlan
    /// The compressed-tensors format of each config group.
    public let formats: [String]
    /// Output tensors in write order.
    public let outputs: [OutputTensor]
    let quantizers: [any WeightQuantizer]
    /// Weights that must share statistics with their fused siblings (`FusedLayers`), as groups of
    /// entry indices.
    let fusedGroups: [[Int]]

    /// Opens `model`, picks the recipe's QuantizationModifier and plans it.
    public init(model: String, recipe: Recipe, recipeFile: String = "recipe") throws(ModifierError) {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: model) } catch { throw .checkpoint(error) }
        guard checkpoint.config != nil else { throw .missingConfig(directory: model) }
        let specs = recipe.modifiers.compactMap { modifier -> QuantizationModifierSpec? in
            if case let .quantization(spec) = modifier { return spec }
            return nil
        }
        guard let modifier = specs.first else { throw .noQuantizationModifier(recipe: recipeFile) }
        if specs.count > 1 {
            throw .unsupportedModifier(name: "\(specs[1].position)", reason: "only one QuantizationModifier per recipe is supported")
        }
        let quantization = try QuantizationPlan(checkpoint: checkpoint, modifier: modifier)
        var quantizers: [any WeightQuantizer] = []
        var formats: [String] = []
        for group in quantization.groups {
            let made = try QuantizerFactory.make(group: group.name, scheme: group.scheme)
            quantizers.append(made.quantizer)
            formats.append(group.scheme.format ?? made.format)
        }
        var outputs: [OutputTensor] = []
        for entry in quantization.entries {
            let info = entry.tensor.info
            switch entry.action {
            case .copy:
                outputs.append(OutputTensor(name: info.name, dtype: info.dtype, shape: info.shape))
            case let .quantize(group):
                guard info.shape.count == 2 else {
                    throw .unquantizableWeight(tensor: info.name, reason: "shape \(info.shape) is not 2-D")
                }
                guard info.dtype.isQuantizableFloat else {
                    throw .unquantizableWeight(tensor: info.name, reason: "dtype \(info.dtype.rawValue) is not BF16, F16 or F32")
                }
                try quantizers[group].validate(info)
                outputs += quantizers[group].outputs(module: entry.module, weight: info)
            }
        }
        self.checkpoint = checkpoint
        self.recipe = recipe
        self.modifier = modifier
        self.quantization = quantization
        self.formats = formats
        self.outputs = outputs
        self.quantizers = quantizers
        self.fusedGroups = try FusedLayers.groups(entries: quantization.entries, groupNames: quantization.groups.map(\.name),
                                                  quantizers: quantizers)
    }

    /// The `quantization_config` the output's config.json gets.
    public var quantizationConfig: JSONValue {
        QuantizationConfigBuilder.config(groups: quantization.groups, formats: formats,
                                         ignore: quantization.ignore, kvCacheScheme: modifier.kvCacheScheme)
    }

    /// The output's config.json.
    public var outputConfig: ModelConfig {
        var config = checkpoint.config ?? ModelConfig(json: JSONObject())
        config.json.insertSorted("quantization_config", quantizationConfig)
        return config
    }
}

extension OneshotPlan {
    /// The plan as JSON: each tensor's module, kind and action, and the quantization_config.
    public var dryRunJSON: JSONValue {
        let tensors: [JSONValue] = quantization.entries.map { entry in
            var action = "copy"
            if case let .quantize(group) = entry.action { action = "quantize:" + quantization.groups[group].name }
            return .object(JSONObject([
                ("name", .string(entry.tensor.name)), ("dtype", .string(entry.tensor.info.dtype.rawValue)),
                ("shape", .array(entry.tensor.info.shape.map { .integer(Int64($0)) })),
                ("module", .string(entry.module)), ("kind", .string(entry.kind.rawValue)), ("action", .string(action)),
            ]))
        }
        return .object(JSONObject([("tensors", .array(tensors)), ("quantization_config", quantizationConfig)]))
    }
}
