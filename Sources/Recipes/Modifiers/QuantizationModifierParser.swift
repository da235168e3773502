/// Reads one `QuantizationModifier` mapping with the fields and validators llm-compressor 0.14's
/// `QuantizationModifier` (`Modifier` + `QuantizationMixin`) has. Modifiers that add fields of
/// their own to `QuantizationMixin` (GPTQModifier) read those from what `parse(_:ownKeys:)` hands back.
struct QuantizationModifierParser {
    let name: String
    let keyNode: YAMLNode
    let group: String
    /// The class default of `requires_calibration_data` (true for GPTQModifier).
    var requiresCalibrationByDefault = false
    /// Whether the modifier may leave out every quantization field (llm-compressor's
    /// `has_config()` false: no scheme, config_groups or kv_cache_scheme, targets ["Linear"], no
    /// ignore). A GPTQModifier written so quantizes with the schemes an earlier modifier attached;
    /// its spec then has no config groups.
    var allowsNoConfiguration = false

    /// The `QuantizationMixin` fields the pydantic model accepts from a recipe.
    static let mixinKeys = [
        "config_groups", "targets", "ignore", "scheme", "kv_cache_scheme",
        "weight_observer", "input_observer", "output_observer", "observer", "bypass_divisibility_checks",
    ]

    /// Every field a `QuantizationModifier` accepts from a recipe.
    static let keys = mixinKeys + ModifierBaseFields.keys

    func parse(_ value: YAMLNode) throws(RecipeError) -> QuantizationModifierSpec {
        try parse(value, ownKeys: []).spec
    }

    /// Reads the `QuantizationMixin` and `Modifier` fields; the entries whose key is one of
    /// `ownKeys` are handed back, in order, for the caller to read.
    func parse(_ value: YAMLNode, ownKeys: [String]) throws(RecipeError)
        -> (spec: QuantizationModifierSpec, own: [(name: String, keyNode: YAMLNode, value: YAMLNode)]) {
        if value.isNull { throw .missingScheme(keyNode.position, modifier: name) }
        let entries = try stringKeyed(try value.mapping(for: name), context: name)

        var targets = ["Linear"]
        var ignore: [String] = []
        var scheme: SchemeSpec?
        var schemeNode: YAMLNode?
        var configGroups: [(name: String, scheme: QuantizationScheme)]?
        var configGroupsNode: YAMLNode?
        var kvCacheScheme: QuantizationArgs?
        var bypass = false
        var base = ModifierBaseFields(requiresCalibrationData: requiresCalibrationByDefault)
        var weightObserver: String?, inputObserver: String?, outputObserver: String?
        var observerMap: [(key: String, observer: String)]?
        var observerNode: YAMLNode?
        var own: [(name: String, keyNode: YAMLNode, value: YAMLNode)] = []

        for (key, keyNode, node) in entries {
            if ownKeys.contains(key) {
                own.append((key, keyNode, node))
                continue
            }
            if try base.read(key, keyNode: keyNode, value: node) { continue }
            switch key {
            case "targets":
                targets = try node.stringOrList(for: key)
                try node.validatePatterns(targets)
            case "ignore":
                ignore = try node.patternList(for: key)
            case "scheme":
                schemeNode = keyNode
                scheme = try readScheme(node)
            case "config_groups":
                configGroupsNode = keyNode
                configGroups = node.isNull ? nil : try readConfigGroups(node)
            case "kv_cache_scheme":
                // Never resolved like config groups: no default observer (calibration then uses `minmax`).
                kvCacheScheme = node.isNull ? nil : try QuantizationArgsReader.read(node, context: "kv_cache_scheme")
            case "weight_observer": weightObserver = try observerName(node, key)
            case "input_observer": inputObserver = try observerName(node, key)
            case "output_observer": outputObserver = try observerName(node, key)
            case "observer":
                observerNode = keyNode
                observerMap = try readObserverMap(node)
            case "bypass_divisibility_checks": bypass = try node.bool(for: key)
            default:
                throw ModifierKeys.unknown(key, at: keyNode, in: name, known: Self.keys + ownKeys)
            }
        }

        if let schemeNode, let configGroupsNode, scheme != nil, configGroups != nil {
            let later = (schemeNode.position.line, schemeNode.position.column) > (configGroupsNode.position.line, configGroupsNode.position.column)
                ? schemeNode : configGroupsNode
            throw .schemeAndConfigGroups(later.position, modifier: name)
        }
        let noConfiguration = scheme == nil && (configGroups?.isEmpty ?? true) && kvCacheScheme == nil
        if noConfiguration && !(allowsNoConfiguration && targets == ["Linear"] && ignore.isEmpty) {
            throw .missingScheme(keyNode.position, modifier: name)
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
            if resolved.isEmpty && !noConfiguration { resolved = [("group_0", QuantizationScheme(targets: targets))] }
        }

        // Observers: the overrides (the map wins over the individual keys), else the defaults.
        var overrides = (weights: weightObserver, input: inputObserver, output: outputObserver)
        for (k, v) in observerMap ?? [] {
            switch k {
            case "weights": overrides.weights = v
            case "input": overrides.input = v
            default: overrides.output = v
            }
        }
        resolved = resolved.map { ($0.name, $0.scheme.resolvingObservers(weights: overrides.weights, input: overrides.input, output: overrides.output)) }
        try checkResolvedObserverKwargs(resolved, at: configGroupsNode ?? schemeNode ?? keyNode)

        let needsData = base.requiresCalibrationData || kvCacheScheme != nil || resolved.contains { $0.scheme.requiresCalibration }
        let spec = QuantizationModifierSpec(
            targets: targets, ignore: ignore, configGroups: resolved, kvCacheScheme: kvCacheScheme,
            bypassDivisibilityChecks: bypass, position: keyNode.position, group: group, scheme: scheme,
            configGroupsWritten: !(configGroups?.isEmpty ?? true), weightObserver: weightObserver, inputObserver: inputObserver,
            outputObserver: outputObserver, observerOverrides: observerMap, requiresCalibrationData: needsData,
            index: base.index, start: base.start, end: base.end, update: base.update)
        return (spec, own)
    }

    /// Refuses `observer_kwargs` that the observer its args resolve to does not read: args that
    /// name no observer accept any observer's keys when read, but a group without an override
    /// resolves to min-max, which reads none of the search keys, so the recipe would save an
    /// observer with keys it cannot take.
    private func checkResolvedObserverKwargs(_ groups: [(name: String, scheme: QuantizationScheme)],
                                             at node: YAMLNode) throws(RecipeError) {
        for (groupName, scheme) in groups {
            let fields: [(String, QuantizationArgs?)] = [("weights", scheme.weights), ("input_activations", scheme.inputActivations),
                                                         ("output_activations", scheme.outputActivations)]
            for case let (field, args?) in fields {
                guard let observer = args.observer.flatMap(ObserverNames.registered) else { continue }
                let known = ObserverNames.kwargs(of: observer)
                for key in args.observerKwargs.keys where !known.contains(key) {
                    throw .unknownKey(node.position, key: key,
                                      context: "observer_kwargs of \(groupName).\(field), whose observer resolves to '\(observer)'"
                                        + (known.isEmpty ? ", which takes none (name the observer that reads it)" : ""),
                                      suggestion: EditDistance.suggestion(for: key, among: known))
                }
            }
        }
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
            try targetsNode.validatePatterns(presetTargets)
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
            groups.append((groupName, try ConfigGroupReader.scheme(named: groupName, key: groupKey, node: groupNode)))
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
}
