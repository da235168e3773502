/// The refusal of a key a modifier does not take: "did you mean" for a near miss, or where the
/// setting went for keys that older llm-compressor versions took.
enum ModifierKeys {
    /// Keys of older llm-compressor modifiers that 0.14's refuse ("Extra inputs are not permitted").
    static let moved: [String: String] = [
        "sequential_targets": "llm-compressor 0.14 takes it as an argument of oneshot, not of a modifier",
        "offload_hessians": "llm-compressor 0.14's GPTQModifier no longer has it",
        "sequential_update": "llm-compressor 0.14's GPTQModifier no longer has it",
    ]

    static func unknown(_ key: String, at keyNode: YAMLNode, in modifier: String, known: [String]) -> RecipeError {
        if let reason = moved[key] { return .unsupportedKey(keyNode.position, key: key, reason: reason) }
        if QuantizationModifierParser.mixinKeys.contains(key) {
            return .unsupportedKey(keyNode.position, key: key,
                                   reason: "\(modifier) does not quantize in llm-compressor 0.14; give it to a QuantizationModifier or GPTQModifier after it")
        }
        return .unknownKey(keyNode.position, key: key, context: modifier,
                           suggestion: EditDistance.suggestion(for: key, among: known))
    }
}
