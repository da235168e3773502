/// Reads one config group (`NAME: {targets, weights, input_activations, output_activations,
/// format}`) as compressed-tensors' `QuantizationScheme` model does: unknown keys refused, args
/// validated, then the scheme validator. Recipes' `config_groups` and config.json's
/// `quantization_config` both hold them.
package enum ConfigGroupReader {
    static let keys = ["targets", "weights", "input_activations", "output_activations", "format"]

    /// The scheme of group `name`, whose key is `key` and whose mapping is `node`.
    package static func scheme(named name: String, key: YAMLNode, node: YAMLNode) throws(RecipeError) -> QuantizationScheme {
        let context = "config group '\(name)'"
        var scheme = QuantizationScheme(targets: [])
        var sawTargets = false
        var fieldNodes: [String: YAMLNode] = [:]
        for (field, fieldKey, value) in try stringKeyed(try node.mapping(for: name), context: context) {
            fieldNodes[field] = value
            switch field {
            case "targets":
                scheme.targets = try value.patternList(for: field)
                sawTargets = true
            case "weights":
                scheme.weights = value.isNull ? nil : try QuantizationArgsReader.read(value, context: "weights of \(context)")
            case "input_activations":
                scheme.inputActivations = value.isNull ? nil : try QuantizationArgsReader.read(value, context: "input_activations of \(context)")
            case "output_activations":
                scheme.outputActivations = value.isNull ? nil : try QuantizationArgsReader.read(value, context: "output_activations of \(context)")
            case "format":
                if let text = try value.optionalString(for: field) {
                    let formats = QuantizationScheme.compressionFormats
                    guard formats.contains(text) else {
                        throw .invalidValue(value.position, key: field, value: text, allowed: formats,
                                            suggestion: EditDistance.suggestion(for: text, among: formats))
                    }
                    scheme.format = text
                }
            default:
                throw .unknownKey(fieldKey.position, key: field, context: context,
                                  suggestion: EditDistance.suggestion(for: field, among: keys))
            }
        }
        if !sawTargets {
            throw .invalidScheme(key.position, message: "\(context) needs 'targets'")
        }
        do {
            try scheme.validate()
        } catch {
            throw .invalidScheme(error.field.flatMap { fieldNodes[$0] }?.position ?? key.position,
                                 message: "\(context): \(error.message)")
        }
        return scheme
    }
}
