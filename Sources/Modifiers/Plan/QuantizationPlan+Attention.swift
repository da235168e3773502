import Architectures
import Checkpoint
import CompressedTensors
import Recipes

extension QuantizationPlan {
    /// The attention modules of the model (`model.layers.N.self_attn`, parents of a key or value
    /// projection), in model order; multi-token-prediction layers' are left out, as they are kept
    /// as they are.
    static func attentionModules(entries: [Entry], architecture: Architecture, layerCount: Int?) -> [String] {
        var modules: [String] = []
        var seen = Set<String>()
        for entry in entries where entry.kind == .linear {
            let (parent, name) = split(entry.module)
            guard KeyValueCacheLayout.projections.contains(name), split(parent).parameter == architecture.layout.attention.module,
                  !architecture.layout.isPredictionModule(parent, layerCount: layerCount), seen.insert(parent).inserted else { continue }
            modules.append(parent)
        }
        return modules
    }

    /// The class transformers gives the attention modules of the model `config` describes
    /// (`LlamaForCausalLM` → `LlamaAttention`): what a class-name target of attention quantization
    /// names.
    public static func attentionClassName(_ config: ModelConfig?) -> String { familyClassName(config, "Attention") }

    /// The family's class named `suffix` (`LlamaDecoderLayer`), from config.json's `architectures`.
    private static func familyClassName(_ config: ModelConfig?, _ suffix: String) -> String {
        guard let model = config?.architectures.first, model.hasSuffix("ForCausalLM") else { return suffix }
        return String(model.dropLast("ForCausalLM".count)) + suffix
    }

    /// Whether `target`, which matches attention module `module`, matches it narrowly, as
    /// compressed-tensors' `is_narrow_match` requires before it quantizes attention: neither the
    /// decoder layer holding it nor any of its `children` (projections, norms: name and class) match.
    /// `re:.*self_attn.*` thus targets the projections, `re:.*self_attn$` the attention.
    private static func isNarrowMatch(_ target: String, module: String, children: [(name: String, className: String)],
                                      config: ModelConfig?) throws(ModifierError) -> Bool {
        let matcher = ModuleMatcher(targets: [target], ignore: [], source: SourcePosition(file: "recipe", line: 0, column: 0))
        do {
            if try matcher.matches(moduleName: split(module).module, className: familyClassName(config, "DecoderLayer")) { return false }
            for child in children where try matcher.matches(moduleName: child.name, className: child.className) { return false }
        } catch {
            throw .pattern(error)
        }
        return true
    }

    /// The config group (numbered over all modifiers' groups as written) of each module of
    /// `modules` whose targets match it narrowly (``isNarrowMatch(_:module:children:config:)``;
    /// `entries` give its children): attention quantization, which compressed-tensors applies to an
    /// attention module a target names itself.
    /// - Throws: `unsupportedScheme` for a group with weights or output activations (compressed-
    ///   tensors' `_validate_attention_scheme` refuses them) and for latent attention;
    ///   `unsupportedModifier` for an attention module two modifiers target.
    static func attentionGroups(_ modules: [String], entries: [Entry], config: ModelConfig?, written: [(name: String, scheme: QuantizationScheme)],
                                assignments: [(assignment: ConfigGroupAssignment, offset: Int)],
                                modifiers: [QuantizationModifierSpec], architecture: Architecture) throws(ModifierError) -> [(module: String, group: Int)] {
        var result: [(module: String, group: Int)] = []
        let className = attentionClassName(config)
        for module in modules {
            var children: [(name: String, className: String)] = []
            for entry in entries where entry.module.hasPrefix(module + ".") && !children.contains(where: { $0.name == entry.module }) {
                children.append((entry.module, entry.kind.className))
            }
            let found = try group(ofModule: module, assignments: assignments, modifiers: modifiers) { assignment throws(ModifierError) in
                let match: ConfigGroupAssignment.Match?
                do throws(CompressedTensorsError) {
                    match = try assignment.group(ofModule: module, className: className)
                } catch {
                    throw .compressedTensors(error)
                }
                guard let match, try isNarrowMatch(match.target, module: module, children: children, config: config) else { return nil }
                return match.group
            }
            guard let found else { continue }
            let group = written[found]
            guard group.scheme.weights == nil, group.scheme.outputActivations == nil, group.scheme.inputActivations != nil else {
                throw .unsupportedScheme(
                    group: group.name,
                    reason: "its targets match attention module '\(module)', which takes input activations only (attention quantization of its query, key and value states), not weights or output activations; target its projections (re:.*q_proj$ ...) for those")
            }
            guard architecture.layout.attention.latent == nil else {
                throw .unsupportedScheme(group: group.name, reason: "attention quantization of latent attention ('\(module)') is not supported; quantize its KV cache with kv_cache_scheme")
            }
            result.append((module, found))
        }
        return result
    }
}
