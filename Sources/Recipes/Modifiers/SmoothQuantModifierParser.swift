/// Reads one `SmoothQuantModifier` mapping with the fields, types and defaults of llm-compressor
/// 0.14's pydantic model, plus the checks its `on_initialize` makes (one-shot only) and a range
/// for `smoothing_strength`, which 0.14 leaves unchecked.
struct SmoothQuantModifierParser {
    let keyNode: YAMLNode
    let group: String

    static let ownKeys = ["smoothing_strength", "mappings", "ignore", "num_calibration_steps", "calibration_function", "algorithm"]

    func parse(_ value: YAMLNode) throws(RecipeError) -> SmoothQuantModifierSpec {
        let name = ModifierNames.smoothQuant
        if value.isNull { throw value.wrongType(name, "a mapping (use {} for the defaults)") }
        var spec = SmoothQuantModifierSpec(base: ModifierBaseFields(requiresCalibrationData: true), smoothingStrength: 0.5,
                                           algorithm: .smoothQuant, group: group, position: keyNode.position)
        for (key, keyNode, node) in try stringKeyed(try value.mapping(for: name), context: name) {
            if try spec.base.read(key, keyNode: keyNode, value: node) {
                if key == "start" || key == "end" { try Self.checkOneShot(key, node) }
                continue
            }
            switch key {
            case "smoothing_strength":
                spec.smoothingStrength = try node.number(for: key)
                guard (0...1).contains(spec.smoothingStrength) else {
                    throw .outOfRange(node.position, key: key, value: node.scalarText ?? "", expected: "must be between 0 and 1")
                }
            case "mappings":
                spec.mappings = node.isNull ? nil : try Self.mappings(node)
            case "ignore":
                // `list[str] | None`: unlike QuantizationModifier's, a single string is refused.
                spec.ignore = node.isNull ? nil : try node.patternList(for: key)
            case "num_calibration_steps":
                spec.numCalibrationSteps = try node.optionalInt(for: key)
                if let steps = spec.numCalibrationSteps, steps < 1 {
                    throw .outOfRange(node.position, key: key, value: "\(steps)", expected: "must be a positive number of samples")
                }
            case "calibration_function":
                guard node.isNull else {
                    throw .unsupportedKey(keyNode.position, key: key, reason: "it takes a Python function, which a YAML recipe cannot give")
                }
            case "algorithm":
                let text = try node.string(for: key)
                let allowed = SmoothingAlgorithm.allCases.map(\.rawValue)
                guard let algorithm = SmoothingAlgorithm(rawValue: text) else {
                    throw .invalidValue(node.position, key: key, value: text, allowed: allowed,
                                        suggestion: EditDistance.suggestion(for: text, among: allowed))
                }
                spec.algorithm = algorithm
            default:
                throw ModifierKeys.unknown(key, at: keyNode, in: name, known: Self.ownKeys + ModifierBaseFields.keys)
            }
        }
        return spec
    }

    /// SmoothQuant runs in one-shot only: `start` and `end` may be null, 0 or -1.
    private static func checkOneShot(_ key: String, _ node: YAMLNode) throws(RecipeError) {
        guard let value = node.doubleValue, value != 0, value != -1 else { return }
        throw .outOfRange(node.position, key: key, value: node.scalarText ?? "",
                          expected: "SmoothQuantModifier can only be applied during one-shot (null or -1)")
    }

    /// `[[balance layers], smooth layer]` pairs (a single balance layer may be written as a string).
    private static func mappings(_ node: YAMLNode) throws(RecipeError) -> [SmoothQuantMapping] {
        let form = "a list of [[balance layers], smooth layer] pairs"
        guard let items = node.sequenceItems else { throw node.wrongType("mappings", form) }
        var result: [SmoothQuantMapping] = []
        for item in items {
            guard let pair = item.sequenceItems, pair.count == 2 else {
                throw RecipeError.wrongType(item.position, key: "mappings", expected: form, found: item.sequenceItems.map { "a list of \($0.count) items" } ?? item.summary)
            }
            let smooth = try pair[1].pattern(for: "smooth layer")
            if pair[0].stringValue != nil {
                let single = try pair[0].pattern(for: "balance layer")
                result.append(SmoothQuantMapping(balanceLayers: [single], smoothLayer: smooth, form: .listWithSingleBalance))
                continue
            }
            let balance = try pair[0].patternList(for: "balance layers")
            guard !balance.isEmpty else { throw pair[0].wrongType("balance layers", "a non-empty list of layers") }
            result.append(SmoothQuantMapping(balanceLayers: balance, smoothLayer: smooth, form: .list))
        }
        return result
    }
}
