import Architectures
import Checkpoint
import CompressedTensors
import JSON
import Recipes

/// Everything `oneshot` will do, decided before any tensor data is read: the checkpoint, the
/// quantizing modifiers, what becomes of each tensor and what is written. `--dry-run` prints this.
public struct OneshotPlan {
    public let checkpoint: Checkpoint
    public let recipe: Recipe
    /// The recipe's quantizing modifiers (QuantizationModifier, GPTQModifier), in recipe order.
    public let modifiers: [QuantizationModifierSpec]
    public let quantization: QuantizationPlan
    /// The KV cache scheme the config records: the one quantizing modifier's that has one, or
    /// with attention quantization the input activations of the last attention module's group,
    /// which compressed-tensors' attention modules report as their KV cache scheme.
    public let kvCacheScheme: QuantizationArgs?
    /// How each config group's weights are stored; nil for an attention-quantization group,
    /// which quantizes no weight (``QuantizationPlan/attention``).
    public let layouts: [CompressedWeightLayout?]
    /// The compressed-tensors format of each config group ("dense" for attention quantization's).
    public var formats: [String] { layouts.map { $0?.format ?? "dense" } }
    /// Output tensors in write order.
    public var outputs: [OutputTensor] { entryOutputs.flatMap { $0 } }
    /// The output tensors of each entry of `quantization`: a copy, or a weight's quantized tensors
    /// followed by its calibrated input scale, and after the last tensor of an attention module, its
    /// KV cache scales (with attention quantization, its query scale before them, each scale followed
    /// by its zero point).
    let entryOutputs: [[OutputTensor]]
    /// Each config group's weight quantizer; nil where `layouts` is.
    let quantizers: [(any WeightQuantizer)?]
    /// The input scale each config group calibrates, if any.
    let inputScales: [ActivationScales.InputScale?]
    /// The recipe's modifiers that need calibration data (static activation scales, a KV cache
    /// scheme, a calibration modifier), each as `NAME at FILE:LINE:COLUMN (what needs it)`.
    public let calibratingModifiers: [String]
    /// Whether the recipe needs calibration data.
    public var requiresCalibration: Bool { !calibratingModifiers.isEmpty }
    /// What calibration does besides observing activations.
    let program: CalibrationProgram
    /// Weights that must share statistics with their fused siblings (`FusedLayers`), as groups of
    /// entry indices.
    let fusedGroups: [[Int]]

    /// Opens `model`, picks the recipe's quantizing modifiers (QuantizationModifier or
    /// GPTQModifier, each on its own targets) and the SmoothQuant and AWQ modifiers before them,
    /// and plans them.
    public init(model: String, recipe written: Recipe, recipeFile: String = "recipe") throws(ModifierError) {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: model) } catch { throw .checkpoint(error) }
        try self.init(checkpoint: checkpoint, recipe: written, recipeFile: recipeFile)
    }

    /// Plans the recipe over a checkpoint opened already, such as one over tensors in memory. A
    /// quantized checkpoint (FP8 block or compressed-tensors) is planned, calibrated and streamed
    /// as its dequantized BF16 model (``DequantizedSource``).
    public init(checkpoint opened: Checkpoint, recipe written: Recipe, recipeFile: String = "recipe") throws(ModifierError) {
        let checkpoint: Checkpoint
        do { checkpoint = try DequantizedSource.open(opened) } catch { throw .compressedTensors(error) }
        let model = checkpoint.directory
        guard let config = checkpoint.config else { throw .missingConfig(directory: model) }
        guard !checkpoint.tensors.isEmpty else { throw .noTensors(directory: model) }
        let recipe: Recipe
        do {
            recipe = try written.initialized(for: ModelDefaults(className: config.architectures.first ?? ""))
        } catch {
            throw .recipe(error.description)
        }
        let (modifiers, program) = try CalibrationProgram.make(recipe: recipe, recipeFile: recipeFile)
        let quantization = try QuantizationPlan(checkpoint: checkpoint, modifiers: modifiers)
        var quantizers: [(any WeightQuantizer)?] = []
        var layouts: [CompressedWeightLayout?] = []
        let attentionGroups = Set(quantization.attention.map(\.group))
        var inputScales: [ActivationScales.InputScale?] = []
        for modifier in modifiers {
            try RangeObserver.requireRunnable(modifier.kvCacheScheme, group: "kv_cache_scheme", position: modifier.position.description)
        }
        for (index, (group, m)) in zip(quantization.groups, quantization.groupModifiers).enumerated() {
            let position = modifiers[m].position.description
            try RangeObserver.requireRunnable(group.scheme.inputActivations, group: group.name, position: position)
            if attentionGroups.contains(index), let states = group.scheme.inputActivations {
                // Attention quantization: q_scale, k_scale and v_scale, no weight.
                try ActivationScales.requireKeyValueScheme(states, layout: quantization.architecture.layout.attention, what: group.name)
                quantizers.append(nil)
                layouts.append(nil)
                inputScales.append(nil)
                continue
            }
            let made = try QuantizerFactory.make(group: group.name, scheme: group.scheme, position: position)
            if program.gptq[m] != nil, let weights = group.scheme.weights {
                try IntegerSchemes.requireGPTQObserver(weights, group: group.name, position: position)
                try GPTQFormats.require(made.quantizer, group: group.name, position: position)
            }
            quantizers.append(made.quantizer)
            layouts.append(made.layout)
            inputScales.append(try ActivationScales.inputScale(of: group.scheme, group: group.name))
        }
        let layerCount = config.json["num_hidden_layers"]?.integerValue.map(Int.init)
        let blocks = BlockLayout(entries: quantization.entries, blockCount: layerCount ?? 0, layout: quantization.architecture.layout).blocks
        for case (.awq(let awq), let quantizingBefore) in program.smoothing {
            try awq.requireResolvable(blocks: blocks, quantization: quantization, quantizingBefore: quantizingBefore, modifiers: modifiers)
        }
        let modifierKVCacheScheme = modifiers.lazy.compactMap(\.kvCacheScheme).first
        if let modifierKVCacheScheme {
            try ActivationScales.requireKeyValueScheme(modifierKVCacheScheme, layout: quantization.architecture.layout.attention, what: "kv_cache_scheme")
        }
        let kvCacheScheme = quantization.attention.last.flatMap { quantization.groups[$0.group].scheme.inputActivations } ?? modifierKVCacheScheme
        var entryOutputs: [[OutputTensor]] = []
        for (index, entry) in quantization.entries.enumerated() {
            let info = entry.tensor.info
            var outputs: [OutputTensor] = []
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
                guard let layout = layouts[group] else {
                    throw .unsupportedScheme(group: quantization.groups[group].name, reason: "a scheme without weight quantization is not supported on Linear layers")
                }
                try layout.validate(info)
                outputs += layout.tensors(module: entry.module, weight: info)
                if inputScales[group] != nil {
                    outputs += ActivationScales.outputs(of: quantization.groups[group].scheme, module: entry.module, weight: info)
                }
            }
            if let attention = Self.attentionEndingAt(index, entries: quantization.entries, layout: quantization.architecture.layout,
                                                      layerCount: layerCount) {
                if let states = Self.stateScales(of: attention.module, quantization: quantization, modifiers: modifiers) {
                    if states.query {
                        outputs += ActivationScales.queryOutputs(attention: attention.module, dtype: attention.dtype, scheme: states.args,
                                                                 config: checkpoint.config)
                    }
                    outputs += ActivationScales.keyValueOutputs(attention: attention.module, dtype: attention.dtype, scheme: states.args,
                                                                config: checkpoint.config, zeroPoints: states.query)
                }
            }
            entryOutputs.append(outputs)
        }
        self.checkpoint = checkpoint
        self.recipe = recipe
        self.modifiers = modifiers
        self.quantization = quantization
        self.kvCacheScheme = kvCacheScheme
        self.layouts = layouts
        self.entryOutputs = entryOutputs
        self.quantizers = quantizers
        self.inputScales = inputScales
        calibratingModifiers = Self.calibratingModifiers(of: recipe)
        self.program = program
        self.fusedGroups = try FusedLayers.groups(entries: quantization.entries, nameGroups: quantization.architecture.fusedGroups,
                                                  groupNames: quantization.groups.map(\.name),
                                                  quantizers: quantizers)
    }

    /// The quantizer of config group `group`, as a weight entry names it: the plan gives every
    /// such group one (a group without weights on a Linear layer is refused).
    func weightQuantizer(_ group: Int) -> any WeightQuantizer { quantizers[group]! }

    /// The layout of config group `group`, as a weight entry names it (see ``weightQuantizer(_:)``).
    func weightLayout(_ group: Int) -> CompressedWeightLayout { layouts[group]! }

    /// The `quantization_config` the output's config.json gets.
    public var quantizationConfig: JSONValue {
        CompressedTensorsConfig(configGroups: quantization.groups, ignore: quantization.ignore, kvCacheScheme: kvCacheScheme)
            .json(formats: formats)
    }

    /// The output's config.json.
    public var outputConfig: ModelConfig {
        var config = checkpoint.config ?? ModelConfig(json: JSONObject())
        config.json.insertSorted("quantization_config", quantizationConfig)
        return config
    }
}

extension OneshotPlan {
    /// Where the scales of attention module `module`'s states come from: the input activations of
    /// its attention-quantization group (`q_scale`, `k_scale`, `v_scale`: `query`) and that group's
    /// modifier, else the `kv_cache_scheme` (`k_scale`, `v_scale`) and the modifier that has it, as
    /// compressed-tensors lets an attention scheme replace the KV cache scheme on its modules.
    static func stateScales(of module: String, quantization: QuantizationPlan,
                            modifiers: [QuantizationModifierSpec]) -> (args: QuantizationArgs, modifier: Int, query: Bool)? {
        if let attention = quantization.attention.first(where: { $0.module == module }),
           let args = quantization.groups[attention.group].scheme.inputActivations {
            return (args, quantization.groupModifiers[attention.group], true)
        }
        guard let m = modifiers.firstIndex(where: { $0.kvCacheScheme != nil }), let args = modifiers[m].kvCacheScheme else { return nil }
        return (args, m, false)
    }

    /// The attention module (`….self_attn`) whose last tensor is entry `index`, when the module has
    /// a Linear whose output the KV cache holds (`k_proj`, or latent attention's
    /// `kv_a_proj_with_mqa`), with that weight's dtype: where its `k_scale` and `v_scale` are
    /// written. Multi-token-prediction layers (of a model of `layerCount` blocks) get none: they are
    /// kept as they are.
    static func attentionEndingAt(_ index: Int, entries: [QuantizationPlan.Entry], layout: DecoderLayout,
                                  layerCount: Int?) -> (module: String, dtype: DType)? {
        let (attention, _) = QuantizationPlan.split(entries[index].module)
        guard attention.hasSuffix(layout.attention.module), let cached = layout.attention.cachedProjection,
              !layout.isPredictionModule(attention, layerCount: layerCount),
              !entries[(index + 1)...].contains(where: { QuantizationPlan.split($0.module).module == attention }),
              let key = entries.first(where: { $0.module == attention + "." + cached && $0.kind == .linear }) else { return nil }
        return (attention, key.tensor.info.dtype)
    }

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
