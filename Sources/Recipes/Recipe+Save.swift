import Checkpoint

extension Recipe {
    /// The recipe as llm-compressor 0.14 saves it beside a checkpoint (recipe.yaml): each stage as
    /// `NAME_stage:` (a flat recipe becomes `default_stage:`), each modifier under its group's
    /// `GROUP_modifiers:` (flat modifiers are in group "default"), with every field of the validated
    /// modifier that is not null, in pydantic's field order, dumped by PyYAML.
    ///
    /// llm-compressor itself keeps only the last stage's name and puts every modifier under it;
    /// this writes each stage under its own name, which is the same for single-stage recipes.
    public func savedYAML() -> String {
        var root = JSONObject()
        for stage in stages {
            // llm-compressor: stage_key.replace("_stage", ""), saved as stage + "_stage".
            let stageKey = stage.name.replacingOccurrences(of: "_stage", with: "") + "_stage"
            var groups = root[stageKey]?.objectValue ?? JSONObject()
            for modifier in stage.modifiers {
                switch modifier {
                case let .quantization(spec):
                    let groupKey = spec.group + "_modifiers"
                    var group = groups[groupKey]?.objectValue ?? JSONObject()
                    group["QuantizationModifier"] = spec.savedValue
                    groups[groupKey] = .object(group)
                }
            }
            root[stageKey] = .object(groups)
        }
        return PyYAMLEmitter.dump(.object(root))
    }
}

extension QuantizationModifierSpec {
    /// The modifier's `model_dump()` without null fields, internal fields and `group`, which is what
    /// llm-compressor writes for it.
    var savedValue: JSONValue {
        var args = JSONObject()
        if configGroupsWritten {
            args["config_groups"] = .object(JSONObject(configGroups.map { ($0.name, $0.scheme.dumpValue) }))
        }
        args["targets"] = .array(targets.map(JSONValue.string))
        args["ignore"] = .array(ignore.map(JSONValue.string))
        switch scheme {
        case let .preset(name)?:
            args["scheme"] = .string(name)
        case let .presetTargets(list)?:
            args["scheme"] = .object(JSONObject(list.map { ($0.preset, .array($0.targets.map(JSONValue.string))) }))
        case nil:
            break
        }
        if let kvCacheScheme { args["kv_cache_scheme"] = kvCacheScheme.dumpValue }
        if let weightObserver { args["weight_observer"] = .string(weightObserver) }
        if let inputObserver { args["input_observer"] = .string(inputObserver) }
        if let outputObserver { args["output_observer"] = .string(outputObserver) }
        if let observerOverrides {
            args["observer"] = .object(JSONObject(observerOverrides.map { ($0.key, .string($0.observer)) }))
        }
        args["bypass_divisibility_checks"] = .bool(bypassDivisibilityChecks)
        args["requires_calibration_data"] = .bool(requiresCalibrationData)
        if let index { args["index"] = .integer(Int64(index)) }
        if let start { args["start"] = .double(start) }
        if let end { args["end"] = .double(end) }
        if let update { args["update"] = .double(update) }
        return .object(args)
    }
}
