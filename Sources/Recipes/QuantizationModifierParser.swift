import Checkpoint

/// Reads one `QuantizationModifier` mapping with the fields and validators llm-compressor 0.14's
/// `QuantizationModifier` (`Modifier` + `QuantizationMixin`) has.
struct QuantizationModifierParser {
    let name: String
    let keyNode: YAMLNode
    let group: String

    /// Every field the pydantic model accepts from a recipe.
    static let keys = [
        "config_groups", "targets", "ignore", "scheme", "kv_cache_scheme",
        "weight_observer", "input_observer", "output_observer", "observer",
        "bypass_divisibility_checks", "requires_calibration_data", "index", "start", "end", "update",
    ]

    func parse(_ value: YAMLNode) throws(RecipeError) -> QuantizationModifierSpec {
        if value.isNull { throw .missingScheme(keyNode.position) }
        let entries = try stringKeyed(try value.mapping(for: name), context: name)

        var targets = ["Linear"]
        var ignore: [String] = []
        var scheme: SchemeSpec?
        var schemeNode: YAMLNode?
        var configGroups: [(name: String, scheme: QuantizationScheme)]?
        var configGroupsNode: YAMLNode?
        var kvCacheScheme: QuantizationArgs?
        var bypass = false
        var requiresCalibration = false
        var weightObserver: String?, inputObserver: String?, outputObserver: String?
        var observerMap: [(key: String, observer: String)]?
        var observerNode: YAMLNode?
        var index: Int?
        var start: Double?, end: Double?, update: Double?

        for (key, keyNode, node) in entries {
            switch key {
            case "targets":
                targets = try node.stringOrList(for: key)
                try validatePatterns(targets, node)
            case "ignore":
                ignore = try node.stringList(for: key)
                try validatePatterns(ignore, node)
            case "scheme":
                schemeNode = keyNode
                scheme = try readScheme(node)
            case "config_groups":
                configGroupsNode = keyNode
                configGroups = node.isNull ? nil : try readConfigGroups(node)
            case "kv_cache_scheme":
                kvCacheScheme = node.isNull ? nil : try QuantizationArgsReader.read(node, context: "kv_cache_scheme")
                // llm-compressor gives scheme args their default observers, but leaves the KV
                // cache scheme's as written (calibration then uses `minmax`).
                let written = node.isNull ? [] : try node.mapping(for: key)
                if !written.contains(where: { $0.key.scalarText == "observer" }) { kvCacheScheme?.observer = nil }
            case "weight_observer": weightObserver = try observerName(node, key)
            case "input_observer": inputObserver = try observerName(node, key)
            case "output_observer": outputObserver = try observerName(node, key)
            case "observer":
                observerNode = keyNode
                observerMap = try readObserverMap(node)
            case "bypass_divisibility_checks": bypass = try node.bool(for: key)
            case "requires_calibration_data": requiresCalibration = try node.bool(for: key)
            case "index": index = try node.optionalInt(for: key)
            case "start": start = node.isNull ? nil : try node.number(for: key)
            case "end": end = node.isNull ? nil : try node.number(for: key)
            case "update": update = node.isNull ? nil : try node.number(for: key)
            case "group":
                throw .unsupportedKey(keyNode.position, key: key,
                                      reason: "a modifier's group is the name of its '*_modifiers' key (llm-compressor 0.14 fails on an explicit 'group')")
            default:
                throw .unknownKey(keyNode.position, key: key, context: name,
                                  suggestion: EditDistance.suggestion(for: key, among: Self.keys))
            }
        }

        if let schemeNode, let configGroupsNode, scheme != nil, configGroups != nil {
            let later = (schemeNode.position.line, schemeNode.position.column) > (configGroupsNode.position.line, configGroupsNode.position.column)
                ? schemeNode : configGroupsNode
            throw .schemeAndConfigGroups(later.position)
        }
        if scheme == nil && (configGroups?.isEmpty ?? true) && kvCacheScheme == nil {
            throw .missingScheme(keyNode.position)
        }
        let hasIndividualObserver = weightObserver != nil || inputObserver != nil || outputObserver != nil
        if hasIndividualObserver, let observerNode, observerMap != nil {
            throw .conflictingKeys(observerNode.position, key: "observer",
                                   others: ["weight_observer", "input_observer", "output_observer"])
        }

        // Resolve config groups as llm-compressor's resolve_quantization_config does.
        var resolved: [(name: String, scheme: QuantizationScheme)]
        switch scheme {
        case let .preset(preset)?:
            resolved = [("group_0", SchemePresets.scheme(named: preset, targets: targets)!)]
        case let .presetTargets(list)?:
            resolved = list.enumerated().map { ("group_\($0.offset)", SchemePresets.scheme(named: $0.element.preset, targets: $0.element.targets)!) }
        case nil:
            resolved = configGroups ?? []
            if resolved.isEmpty { resolved = [("group_0", QuantizationScheme(targets: targets))] }
        }

        // Observer overrides: the map wins over the individual keys.
        var weightObs = weightObserver, inputObs = inputObserver, outputObs = outputObserver
        for (k, v) in observerMap ?? [] {
            switch k {
            case "weights": weightObs = v
            case "input": inputObs = v
            default: outputObs = v
            }
        }
        if weightObs != nil || inputObs != nil || outputObs != nil {
            let at = observerNode ?? keyNode
            for i in resolved.indices {
                do {
                    if let o = weightObs, let a = resolved[i].scheme.weights { resolved[i].scheme.weights = try a.withObserver(o) }
                    if let o = inputObs, let a = resolved[i].scheme.inputActivations { resolved[i].scheme.inputActivations = try a.withObserver(o) }
                    if let o = outputObs, let a = resolved[i].scheme.outputActivations { resolved[i].scheme.outputActivations = try a.withObserver(o) }
                } catch {
                    throw .invalidQuantizationArgs(at.position, message: error.message)
                }
            }
        }

        let needsData = requiresCalibration || kvCacheScheme != nil || resolved.contains { $0.scheme.requiresCalibration }
        return QuantizationModifierSpec(
            targets: targets, ignore: ignore, configGroups: resolved, kvCacheScheme: kvCacheScheme,
            bypassDivisibilityChecks: bypass, position: keyNode.position, group: group, scheme: scheme,
            configGroupsWritten: !(configGroups?.isEmpty ?? true), weightObserver: weightObserver, inputObserver: inputObserver,
            outputObserver: outputObserver, observerOverrides: observerMap, requiresCalibrationData: needsData,
            index: index, start: start, end: end, update: update)
    }

    /// `scheme: PRESET` or `scheme: {PRESET: targets, ...}`.
    private func readScheme(_ node: YAMLNode) throws(RecipeError) -> SchemeSpec? {
        if node.isNull { return nil }
        if let text = node.stringValue {
            try checkPreset(text, node)
            return .preset(text)
        }
        guard let entries = node.mappingEntries else {
            throw node.wrongType("scheme", "a preset name or a mapping of preset names to targets")
        }
        var list: [SchemeSpec.PresetTargets] = []
        for (preset, presetKey, targetsNode) in try stringKeyed(entries, context: "scheme") {
            try checkPreset(preset, presetKey)
            let presetTargets = try targetsNode.stringOrList(for: preset)
            try validatePatterns(presetTargets, targetsNode)
            list.append(.init(preset: preset, targets: presetTargets))
        }
        if list.isEmpty { throw node.wrongType("scheme", "a preset name or a non-empty mapping of preset names to targets") }
        return .presetTargets(list)
    }

    private func checkPreset(_ name: String, _ node: YAMLNode) throws(RecipeError) {
        guard SchemePresets.isPreset(name) else {
            throw .unknownPreset(node.position, name: name,
                                 suggestion: EditDistance.suggestion(for: name.uppercased(), among: SchemePresets.names))
        }
    }

    /// `config_groups: {NAME: {targets, weights, input_activations, output_activations, format}}`.
    private func readConfigGroups(_ node: YAMLNode) throws(RecipeError) -> [(name: String, scheme: QuantizationScheme)] {
        var groups: [(name: String, scheme: QuantizationScheme)] = []
        for (groupName, groupKey, groupNode) in try stringKeyed(try node.mapping(for: "config_groups"), context: "config_groups") {
            let context = "config group '\(groupName)'"
            var scheme = QuantizationScheme(targets: [])
            var sawTargets = false
            var fieldNodes: [String: YAMLNode] = [:]
            for (key, keyNode, value) in try stringKeyed(try groupNode.mapping(for: groupName), context: context) {
                fieldNodes[key] = value
                switch key {
                case "targets":
                    scheme.targets = try value.stringList(for: key)
                    try validatePatterns(scheme.targets, value)
                    sawTargets = true
                case "weights":
                    scheme.weights = value.isNull ? nil : try QuantizationArgsReader.read(value, context: "weights of \(context)")
                case "input_activations":
                    scheme.inputActivations = value.isNull ? nil : try QuantizationArgsReader.read(value, context: "input_activations of \(context)")
                case "output_activations":
                    scheme.outputActivations = value.isNull ? nil : try QuantizationArgsReader.read(value, context: "output_activations of \(context)")
                case "format":
                    if let text = try value.optionalString(for: key) {
                        let formats = QuantizationScheme.compressionFormats
                        guard formats.contains(text) else {
                            throw .invalidValue(value.position, key: key, value: text, allowed: formats,
                                                suggestion: EditDistance.suggestion(for: text, among: formats))
                        }
                        scheme.format = text
                    }
                default:
                    throw .unknownKey(keyNode.position, key: key, context: context,
                                      suggestion: EditDistance.suggestion(for: key, among: ["targets", "weights", "input_activations", "output_activations", "format"]))
                }
            }
            if !sawTargets {
                throw .invalidScheme(groupKey.position, message: "\(context) needs 'targets'")
            }
            do {
                try scheme.validate()
            } catch {
                throw .invalidScheme(error.field.flatMap { fieldNodes[$0] }?.position ?? groupKey.position,
                                     message: "\(context): \(error.message)")
            }
            groups.append((groupName, scheme))
        }
        return groups
    }

    private func observerName(_ node: YAMLNode, _ key: String) throws(RecipeError) -> String? {
        guard let name = try node.optionalString(for: key) else { return nil }
        guard ObserverNames.isKnown(name) else {
            throw .invalidValue(node.position, key: key, value: name, allowed: ObserverNames.all,
                                suggestion: EditDistance.suggestion(for: name, among: ObserverNames.all))
        }
        return name
    }

    private func readObserverMap(_ node: YAMLNode) throws(RecipeError) -> [(key: String, observer: String)]? {
        if node.isNull { return nil }
        var result: [(key: String, observer: String)] = []
        let allowed = ["weights", "input", "output"]
        for (key, keyNode, value) in try stringKeyed(try node.mapping(for: "observer"), context: "observer") {
            guard allowed.contains(key) else {
                throw .unknownKey(keyNode.position, key: key, context: "observer",
                                  suggestion: EditDistance.suggestion(for: key, among: allowed))
            }
            guard let name = try observerName(value, key) else { throw value.wrongType(key, "an observer name") }
            result.append((key, name))
        }
        return result
    }

    /// Compiles every `re:` pattern so a bad one is reported here, at its list.
    private func validatePatterns(_ patterns: [String], _ node: YAMLNode) throws(RecipeError) {
        let items = node.sequenceItems
        for (i, pattern) in patterns.enumerated() where pattern.hasPrefix("re:") {
            let body = String(pattern.dropFirst(3))
            do {
                _ = try PythonRegex(body)
            } catch {
                let at = (items.flatMap { i < $0.count ? $0[i] : nil } ?? node).position
                throw .invalidPattern(at, pattern: pattern, message: error.message)
            }
        }
    }
}
