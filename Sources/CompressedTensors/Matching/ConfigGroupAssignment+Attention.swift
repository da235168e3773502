import Checkpoint
import Recipes

/// Attention quantization (a config group whose targets name the attention modules themselves, as
/// in llm-compressor's examples/quantization_attention), decided as compressed-tensors 0.19's
/// `apply_quantization_config` decides it: an attention module's group quantizes its query, key
/// and value states only when one of that group's targets matches the module narrowly
/// (`is_narrow_match`): the target matches the module but neither its parent (the decoder layer)
/// nor any module inside it (projections, norms). `re:.*self_attn$` and `LlamaAttention` thus
/// quantize the attention, while `re:.*self_attn.*` targets its projections as Linear layers.
/// `oneshot` plans with it, `verify` checks with it and the runtime loads with it.
extension ConfigGroupAssignment {
    /// The class transformers gives the attention modules of the model `config` describes
    /// (`LlamaForCausalLM` → `LlamaAttention`): what a class-name target of attention quantization names.
    public static func attentionClassName(_ config: ModelConfig?) -> String { familyClassName(config, "Attention") }

    /// The class of the model's decoder layers (`LlamaDecoderLayer`), the attention modules' parents.
    public static func decoderLayerClassName(_ config: ModelConfig?) -> String { familyClassName(config, "DecoderLayer") }

    /// The family's class named `suffix`, from config.json's `architectures` (`LlamaForCausalLM`).
    private static func familyClassName(_ config: ModelConfig?, _ suffix: String) -> String {
        guard let model = config?.architectures.first, model.hasSuffix("ForCausalLM") else { return suffix }
        return String(model.dropLast("ForCausalLM".count)) + suffix
    }

    /// The group that quantizes attention module `module` (`model.layers.N.self_attn`) of the model
    /// `config` describes as attention quantization, with the target that assigned it; nil when
    /// `ignore` or no target matches it, or when none of its group's targets matches it narrowly.
    /// `children` are the modules inside it, each with the class name targets match (`Linear`),
    /// listed only when a target matches the module.
    /// Whether the group's scheme suits attention (input activations only) is the caller's to check.
    /// - Throws: `pattern` when a pattern runs out of its matching step budget.
    public func attentionGroup(ofModule module: String, children listChildren: @autoclosure () -> [(name: String, className: String)],
                               config: ModelConfig?) throws(CompressedTensorsError) -> Match? {
        guard let match = try group(ofModule: module, className: Self.attentionClassName(config)) else { return nil }
        let children = listChildren()
        let parent = module.lastIndex(of: ".").map { String(module[..<$0]) } ?? ""
        let parentClass = Self.decoderLayerClassName(config), className = Self.attentionClassName(config)
        do {
            for target in targetsOfGroup[match.group] {
                let matcher = ModuleMatcher(targets: [target], ignore: [], source: source)
                guard try matcher.matches(moduleName: module, className: className),
                      try !matcher.matches(moduleName: parent, className: parentClass) else { continue }
                var matchesChild = false
                for child in children where try matcher.matches(moduleName: child.name, className: child.className) {
                    matchesChild = true
                    break
                }
                if !matchesChild { return match }
            }
        } catch {
            throw .pattern(error)
        }
        return nil
    }
}
