/// Reads one `GPTQModifier` mapping: the `QuantizationMixin` keys through
/// `QuantizationModifierParser`, then GPTQ's own fields with llm-compressor 0.14's types and
/// defaults. Values 0.14 accepts but fails on once calibration has run (a null `dampening_frac`,
/// an `actorder` other than "static"/"weight", a non-positive `block_size`) are refused here.
struct GPTQModifierParser {
    let keyNode: YAMLNode
    let group: String

    static let ownKeys = ["block_size", "dampening_frac", "actorder", "batched_quantization"]

    func parse(_ value: YAMLNode) throws(RecipeError) -> GPTQModifierSpec {
        let (quantization, own) = try QuantizationModifierParser(
            name: ModifierNames.gptq, keyNode: keyNode, group: group, requiresCalibrationByDefault: true,
            allowsNoConfiguration: true
        ).parse(value, ownKeys: Self.ownKeys)
        var spec = GPTQModifierSpec(quantization: quantization, blockSize: 128, dampeningFrac: 0.01,
                                    actorder: .unset, batchedQuantization: .auto)
        var actorderNode: YAMLNode?
        for (key, _, node) in own {
            switch key {
            case "block_size":
                spec.blockSize = try node.int(for: key)
                guard spec.blockSize > 0 else {
                    throw .outOfRange(node.position, key: key, value: "\(spec.blockSize)", expected: "must be a positive number of columns")
                }
            case "dampening_frac":
                guard !node.isNull else {
                    throw .outOfRange(node.position, key: key, value: "null", expected: "must be a number (llm-compressor 0.14 fails on null when it quantizes)")
                }
                spec.dampeningFrac = try node.number(for: key)
                guard spec.dampeningFrac >= 0, spec.dampeningFrac.isFinite else {
                    throw .outOfRange(node.position, key: key, value: "\(spec.dampeningFrac)", expected: "must be a finite number ≥ 0")
                }
            case "actorder":
                actorderNode = node
                spec.actorder = .written(try Self.actorder(node))
            default:
                spec.batchedQuantization = try Self.batchedQuantization(node)
            }
        }
        if case let .written(value) = spec.actorder, let actorderNode {
            try checkActorder(value, against: quantization, at: actorderNode)
        }
        return spec
    }

    /// "static" or "weight" exactly (0.14 keeps any other string and fails on it after
    /// calibration, "group" and "dynamic" included), or null.
    private static func actorder(_ node: YAMLNode) throws(RecipeError) -> String? {
        if node.isNull { return nil }
        guard let text = node.stringValue else { throw node.wrongType("actorder", "\"static\", \"weight\" or null") }
        let allowed = QuantizationArgsReader.actorders
        if ["group", "dynamic"].contains(text.lowercased()) {
            throw .invalidValue(node.position, key: "actorder", value: text, allowed: allowed, suggestion: nil)
        }
        guard allowed.contains(text) else {
            throw .invalidValue(node.position, key: "actorder", value: text, allowed: allowed,
                                suggestion: EditDistance.suggestion(for: text, among: allowed))
        }
        return text
    }

    /// "auto", a positive integer, or null (`Literal["auto"] | StrictInt | None`).
    private static func batchedQuantization(_ node: YAMLNode) throws(RecipeError) -> GPTQModifierSpec.BatchedQuantization? {
        if node.isNull { return nil }
        if let text = node.stringValue {
            guard text == "auto" else {
                throw .invalidValue(node.position, key: "batched_quantization", value: text, allowed: ["auto"],
                                    suggestion: EditDistance.suggestion(for: text, among: ["auto"]))
            }
            return .auto
        }
        guard let size = node.intValue else { throw node.wrongType("batched_quantization", "\"auto\", a positive integer or null") }
        guard size > 0 else {
            throw .outOfRange(node.position, key: "batched_quantization", value: "\(size)", expected: "must be a positive integer")
        }
        return .maxBatch(size)
    }

    /// llm-compressor's `resolve_actorder`: a written `actorder` must agree with every config
    /// group's own (the aliases "static" and "weight" agree; null agrees only with none).
    private func checkActorder(_ value: String?, against quantization: QuantizationModifierSpec, at node: YAMLNode) throws(RecipeError) {
        let canonical = QuantizationArgs.canonicalActorder(value)
        for (name, scheme) in quantization.configGroups {
            guard let weights = scheme.weights, GPTQModifierSpec.ordersColumns(weights.strategy),
                  let existing = weights.actorder, weights.canonicalActorder != canonical else { continue }
            throw .conflictingActorder(node.position, modifier: value, group: name, groupActorder: existing)
        }
    }
}
