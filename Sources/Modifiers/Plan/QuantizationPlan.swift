import Architectures
import Checkpoint
import CompressedTensors
import Recipes

/// What happens to every tensor of a checkpoint under a recipe's quantizing modifiers, decided
/// from names, shapes and config.json alone, before any tensor data is read.
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
    /// The config groups of all modifiers, in the order compressed-tensors writes them: by the
    /// first module each quantizes, in model order (`QuantizationConfig.from_pretrained` collects
    /// the schemes of `model.named_modules()`), whatever order the recipe wrote them in.
    public let groups: [(name: String, scheme: QuantizationScheme)]
    /// The index (among the plan's modifiers) of the modifier each group comes from.
    public let groupModifiers: [Int]
    /// Attention quantization: each attention module (`model.layers.N.self_attn`) a config group
    /// with input activations only targets, with that group, in model order.
    public let attention: [(module: String, group: Int)]
    /// Modules llm-compressor lists in the config's `ignore`: unquantized Linear layers (those of
    /// multi-token-prediction layers among them) and MoE routers, in model order, when any Linear
    /// layer is quantized.
    public let ignore: [String]
    /// The model's family (config.json's `model_type`), or the generic rules.
    public let architecture: Architecture

    /// Plans `modifier` over `checkpoint`.
    public init(checkpoint: Checkpoint, modifier: QuantizationModifierSpec) throws(ModifierError) {
        try self.init(checkpoint: checkpoint, modifiers: [modifier])
    }

    /// Plans the quantizing `modifiers` of a recipe over `checkpoint`, each with its own config
    /// groups, targets and `ignore`, as llm-compressor attaches each modifier's schemes to the
    /// modules it matches.
    /// Attention modules (`self_attn`, of class `<Family>Attention`, llm-compressor's
    /// `is_narrow_match` of an attention module) take a config group with input activations only:
    /// attention quantization (``attention``).
    /// - Throws: `matchesNothing` for a config group that quantizes no module; `notLinear` for a
    ///   target that matches a module other than a Linear or Embedding layer; `unquantizableWeight`
    ///   for an empty weight (no rows or no columns) a group quantizes; `unsupportedScheme` for
    ///   activations on an Embedding, for weights or output activations on attention modules and
    ///   for attention quantization of latent attention; `unsupportedModifier` (at the later
    ///   modifier) for a module two modifiers match, whose scheme llm-compressor would take from
    ///   the last while both calibrate it.
    public init(checkpoint: Checkpoint, modifiers: [QuantizationModifierSpec]) throws(ModifierError) {
        let architecture = ArchitectureRegistry.architecture(modelType: checkpoint.config?.modelType)
        var written: [(name: String, scheme: QuantizationScheme)] = []
        var writtenModifiers: [Int] = []
        var assignments: [(assignment: ConfigGroupAssignment, offset: Int)] = []
        for (m, modifier) in modifiers.enumerated() {
            // A scheme with nothing to quantize (the group a modifier with only a `kv_cache_scheme`
            // resolves to) quantizes no module: compressed-tensors lists no config group for it.
            let groups = modifier.configGroups.filter {
                $0.scheme.weights != nil || $0.scheme.inputActivations != nil || $0.scheme.outputActivations != nil
            }
            assignments.append((ConfigGroupAssignment(groups: groups, ignore: modifier.ignore, source: modifier.position), written.count))
            written += groups
            writtenModifiers += Array(repeating: m, count: groups.count)
        }

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
            } else if let group = try Self.group(ofModule: module, assignments: assignments, modifiers: modifiers, match: { a throws(ModifierError) in
                try a.group(ofModule: module, kind: kind)
            }) {
                if kind == .embedding && (written[group].scheme.inputActivations != nil || written[group].scheme.outputActivations != nil) {
                    throw .unsupportedScheme(group: written[group].name,
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
        let attentionModules = Self.attentionModules(entries: entries, architecture: architecture, layerCount: layerCount)
        let attention = try Self.attentionGroups(attentionModules, entries: entries, config: checkpoint.config, written: written,
                                                 assignments: assignments, modifiers: modifiers, architecture: architecture)
        // compressed-tensors only warns of a target that matches nothing; its output would be the
        // unquantized model under a quantization_config, so a group that quantizes nothing is an error.
        var placed = attention
        for entry in entries {
            if case let .quantize(group) = entry.action { placed.append((entry.module, group)) }
        }
        var firstModule: [Int: String] = [:]
        for (module, group) in placed {
            if let first = firstModule[group], ModuleOrder.precedes(first, module, in: architecture) { continue }
            firstModule[group] = module
        }
        for (index, group) in written.enumerated() where firstModule[index] == nil {
            if group.scheme.weights == nil && group.scheme.inputActivations != nil {
                throw .unsupportedScheme(
                    group: group.name,
                    reason: "input activations without weights on \(group.scheme.targets) match no attention module (attention quantization targets the attention modules themselves, such as \(ConfigGroupAssignment.attentionClassName(checkpoint.config)) or re:.*self_attn$)")
            }
            throw .matchesNothing(position: modifiers[writtenModifiers[index]].position.description, group: group.name, targets: group.scheme.targets)
        }
        let order = written.indices.sorted { ModuleOrder.precedes(firstModule[$0] ?? "", firstModule[$1] ?? "", in: architecture) }
        var renumbered = [Int](repeating: 0, count: written.count)
        for (new, old) in order.enumerated() { renumbered[old] = new }
        self.entries = entries.map { entry in
            guard case let .quantize(group) = entry.action else { return entry }
            return Entry(tensor: entry.tensor, module: entry.module, kind: entry.kind, action: .quantize(group: renumbered[group]))
        }
        self.groups = order.map { written[$0] }
        self.groupModifiers = order.map { writtenModifiers[$0] }
        self.attention = attention.map { ($0.module, renumbered[$0.group]) }
        let quantizedModules = Set(entries.filter { $0.action != .copy }.map(\.module))
        unquantizedLinear.subtract(quantizedModules)
        self.architecture = architecture
        // compressed-tensors lists the unquantized modules of the classes it quantized only: with
        // no Linear layer quantized (an Embedding, attention or KV cache alone), no Linear layer.
        let quantizesLinear = entries.contains { $0.action != .copy && $0.kind == .linear }
        var ignored = quantizesLinear ? unquantizedLinear.union(routers) : []
        if !attention.isEmpty { ignored.formUnion(Set(attentionModules).subtracting(attention.map(\.module))) }
        self.ignore = ignored.sorted { ModuleOrder.precedes($0, $1, in: architecture) }
    }

    /// The group (numbered over all modifiers' groups as written) of `module`: from the one
    /// modifier whose targets `match` it (gives the group among that modifier's) outside its `ignore`.
    static func group(ofModule module: String, assignments: [(assignment: ConfigGroupAssignment, offset: Int)],
                              modifiers: [QuantizationModifierSpec],
                              match: (ConfigGroupAssignment) throws(ModifierError) -> Int?) throws(ModifierError) -> Int? {
        var found: (group: Int, modifier: Int)?
        for (m, (assignment, offset)) in assignments.enumerated() {
            guard let group = try match(assignment) else { continue }
            if let found {
                throw .unsupportedModifier(
                    name: "\(modifiers[m].position): module '\(module)'",
                    reason: "the modifier at \(modifiers[found.modifier].position) quantizes it already; give each quantizing modifier targets of its own (llm-compressor would store the last modifier's scheme while both calibrate the module)")
            }
            found = (offset + group, m)
        }
        return found?.group
    }

    /// Splits `a.b.weight` into module `a.b` and parameter `weight`.
    public static func split(_ name: String) -> (module: String, parameter: String) {
        guard let dot = name.lastIndex(of: ".") else { return ("", name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// The modifier (index among the plan's modifiers) that quantizes entry `i`, nil for a copied tensor.
    public func modifier(ofEntry i: Int) -> Int? {
        guard case let .quantize(group) = entries[i].action else { return nil }
        return groupModifiers[group]
    }

    /// Number of weights to quantize.
    public var quantizedCount: Int { entries.filter { $0.action != .copy }.count }
}
