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

    /// The config group (numbered over all modifiers' groups as written) of each module of
    /// `modules` whose targets match it narrowly (`ConfigGroupAssignment.attentionGroup`; the
    /// entries' tensors give its children): attention quantization, which compressed-tensors
    /// applies to an attention module a target names itself.
    /// - Throws: `unsupportedScheme` for a group with weights or output activations (compressed-
    ///   tensors' `_validate_attention_scheme` refuses them) and for latent attention;
    ///   `unsupportedModifier` for an attention module two modifiers target.
    static func attentionGroups(_ modules: [String], entries: [Entry], config: ModelConfig?, written: [(name: String, scheme: QuantizationScheme)],
                                assignments: [(assignment: ConfigGroupAssignment, offset: Int)],
                                modifiers: [QuantizationModifierSpec], architecture: Architecture) throws(ModifierError) -> [(module: String, group: Int)] {
        var result: [(module: String, group: Int)] = []
        let tensors = entries.map { (name: $0.tensor.name, shape: $0.tensor.info.shape) }
        for module in modules {
            let found = try group(ofModule: module, assignments: assignments, modifiers: modifiers) { assignment throws(ModifierError) in
                do throws(CompressedTensorsError) {
                    return try assignment.attentionGroup(ofModule: module, children: architecture.submodules(of: module, tensors: tensors),
                                                         config: config)?.group
                } catch {
                    throw .compressedTensors(error)
                }
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
