import Architectures
import Checkpoint
import CompressedTensors
import Recipes

/// What happens to every tensor of a checkpoint under one `QuantizationModifier`, decided from
/// names, shapes and config.json alone, before any tensor data is read.
public struct QuantizationPlan: Sendable {
    /// What to do with one input tensor.
    public enum Action: Sendable, Equatable {
        case copy
        /// Quantize this Linear weight with config group `group`.
        case quantize(group: Int)
    }

    public struct Entry: Sendable {
        public let tensor: Checkpoint.Tensor
        public let module: String
        public let kind: ModuleKind
        public let action: Action
    }

    /// Every input tensor in stream order.
    public let entries: [Entry]
    /// The config groups of the modifier, in order.
    public let groups: [(name: String, scheme: QuantizationScheme)]
    /// Modules llm-compressor lists in the config's `ignore`: unquantized Linear layers (those of
    /// multi-token-prediction layers among them) and MoE routers, in model order, when any Linear
    /// layer is quantized.
    public let ignore: [String]
    /// The model's family (config.json's `model_type`), or the generic rules.
    public let architecture: Architecture

    /// Plans `modifier` over `checkpoint`.
    /// - Throws: `matchesNothing` for a config group that quantizes no module; `notLinear` for a
    ///   target that matches a module other than a Linear or Embedding layer; `unquantizableWeight` for an empty
    ///   weight (no rows or no columns) a group quantizes.
    public init(checkpoint: Checkpoint, modifier: QuantizationModifierSpec) throws(ModifierError) {
        let architecture = ArchitectureRegistry.architecture(modelType: checkpoint.config?.modelType)
        // A scheme with nothing to quantize (the group a modifier with only a `kv_cache_scheme`
        // resolves to) quantizes no module: compressed-tensors lists no config group for it.
        let groups = modifier.configGroups.filter {
            $0.scheme.weights != nil || $0.scheme.inputActivations != nil || $0.scheme.outputActivations != nil
        }
        let assignment = ConfigGroupAssignment(groups: groups, ignore: modifier.ignore, source: modifier.position)

        var entries: [Entry] = []
        var unquantizedLinear = Set<String>()
        var routers = Set<String>()
        let layerCount = checkpoint.config?.json["num_hidden_layers"]?.integerValue.map(Int.init)
        for tensor in checkpoint.tensors {
            let (module, parameter) = Self.split(tensor.name)
            let kind = architecture.kind(ofModule: module, parameterShape: tensor.info.shape)
            var action = Action.copy
            if kind == .router { routers.insert(module) }
            if architecture.layout.isPredictionModule(module, layerCount: layerCount) {
                // Multi-token-prediction layers are kept as they are, whatever the targets say.
                if kind == .linear { unquantizedLinear.insert(module) }
            } else if let group = try assignment.group(ofModule: module, kind: kind) {
                if kind == .embedding && (groups[group].scheme.inputActivations != nil || groups[group].scheme.outputActivations != nil) {
                    throw .unsupportedScheme(group: groups[group].name,
                                             reason: "module '\(module)' is an Embedding: only its weights can be quantized here (no input or output activations)")
                }
                if parameter == "weight" {
                    try requireNonEmpty(tensor.info)
                    action = .quantize(group: group)
                }
            } else if kind == .linear {
                unquantizedLinear.insert(module)
            }
            entries.append(Entry(tensor: tensor, module: module, kind: kind, action: action))
        }
        // A tied lm_head has no tensor of its own, but the model has the module, and it is not quantized.
        let head = architecture.layout.head
        if checkpoint.tensor(named: head + ".weight") == nil, checkpoint.config?.tiesWordEmbeddings == true {
            unquantizedLinear.insert(head)
        }
        // compressed-tensors only warns of a target that matches nothing; its output would be the
        // unquantized model under a quantization_config, so a group that quantizes nothing is an error.
        for (index, group) in groups.enumerated() where !entries.contains(where: { $0.action == .quantize(group: index) }) {
            if group.scheme.weights == nil && group.scheme.inputActivations != nil {
                throw .unsupportedScheme(
                    group: group.name,
                    reason: "input activations without weights on \(group.scheme.targets) (attention quantization: q_scale, k_scale, v_scale) are not supported; quantize the KV cache with kv_cache_scheme")
            }
            throw .matchesNothing(position: modifier.position.description, group: group.name, targets: group.scheme.targets)
        }
        let quantizedModules = Set(entries.filter { $0.action != .copy }.map(\.module))
        unquantizedLinear.subtract(quantizedModules)
        self.entries = entries
        self.groups = groups
        self.architecture = architecture
        // compressed-tensors lists the unquantized modules of the classes it quantized only: with
        // no Linear layer quantized (an Embedding or KV cache alone), `ignore` is empty.
        let quantizesLinear = entries.contains { $0.action != .copy && $0.kind == .linear }
        self.ignore = quantizesLinear ? (unquantizedLinear.union(routers)).sorted { ModuleOrder.precedes($0, $1, in: architecture) } : []
    }

    /// Splits `a.b.weight` into module `a.b` and parameter `weight`.
    public static func split(_ name: String) -> (module: String, parameter: String) {
        guard let dot = name.lastIndex(of: ".") else { return ("", name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// Number of weights to quantize.
    public var quantizedCount: Int { entries.filter { $0.action != .copy }.count }
}
