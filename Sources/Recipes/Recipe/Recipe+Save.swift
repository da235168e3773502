extension Recipe {
    /// The recipe as llm-compressor 0.14 saves it beside a checkpoint (recipe.yaml): each stage as
    /// `NAME_stage:` (a flat recipe becomes `default_stage:`), each modifier under its group's
    /// `GROUP_modifiers:` (flat modifiers are in group "default"), with every field of the validated
    /// modifier that is not null, in pydantic's field order, dumped by PyYAML.
    ///
    /// llm-compressor saves its modifiers as they are after running: SmoothQuant and AWQ with the
    /// mappings they inferred, SmoothQuant's `ignore` as [] when null, AWQ's `offload_device`
    /// resolved. `initialized(for:)` makes those changes; on a recipe without them, a
    /// mapping not written is left out, as is an `offload_device` not written (what a dense model saves).
    ///
    /// llm-compressor itself keeps only the last stage's name and puts every modifier under it;
    /// this writes each stage under its own name, which is the same for single-stage recipes.
    public func savedYAML() -> String {
        var root = PythonDict<PythonDict<PythonDict<PyYAMLValue>>>()
        for stage in stages {
            // llm-compressor: stage_key.replace("_stage", ""), saved as stage + "_stage".
            let stageKey = stage.name.replacingOccurrences(of: "_stage", with: "") + "_stage"
            var groups = root[stageKey] ?? PythonDict()
            for modifier in stage.modifiers {
                let groupKey = modifier.group + "_modifiers"
                var group = groups[groupKey] ?? PythonDict()
                group[modifier.name] = .mapping(modifier.savedMembers)
                groups[groupKey] = group
            }
            root[stageKey] = groups
        }
        return PyYAMLEmitter.dump(.mapping(root.members.map { stage in
            (stage.key, .mapping(stage.value.members.map { group in (group.key, .mapping(group.value.members)) }))
        }))
    }
}

extension RecipeModifier {
    /// The modifier's `model_dump()` without null fields, internal fields and `group`, which is
    /// what llm-compressor writes for it.
    var savedMembers: [(key: String, value: PyYAMLValue)] {
        switch self {
        case let .quantization(spec): return spec.savedMembers(configGroups: spec.configGroups)
        case let .gptq(spec): return spec.savedMembers
        case let .smoothQuant(spec): return spec.savedMembers
        case let .awq(spec): return spec.savedMembers
        }
    }
}

extension QuantizationModifierSpec {
    /// The `QuantizationMixin` and `Modifier` fields; written config groups are saved as
    /// `configGroups` (GPTQ saves them with its activation ordering resolved).
    func savedMembers(configGroups: [(name: String, scheme: QuantizationScheme)]) -> [(key: String, value: PyYAMLValue)] {
        var args = PythonDict<PyYAMLValue>()
        if configGroupsWritten {
            args["config_groups"] = .mapping(configGroups.map { ($0.name, $0.scheme.dumpValue) })
        }
        args["targets"] = .strings(targets)
        args["ignore"] = .strings(ignore)
        switch scheme {
        case let .preset(name)?:
            args["scheme"] = .string(name)
        case let .presetTargets(list)?:
            args["scheme"] = .mapping(list.map { ($0.preset, .strings($0.targets)) })
        case nil:
            break
        }
        if let kvCacheScheme { args["kv_cache_scheme"] = kvCacheScheme.dumpValue }
        if let weightObserver { args["weight_observer"] = .string(weightObserver) }
        if let inputObserver { args["input_observer"] = .string(inputObserver) }
        if let outputObserver { args["output_observer"] = .string(outputObserver) }
        if let observerOverrides {
            args["observer"] = .mapping(observerOverrides.map { ($0.key, .string($0.observer)) })
        }
        args["bypass_divisibility_checks"] = .scalar(.bool(bypassDivisibilityChecks))
        var base = ModifierBaseFields(requiresCalibrationData: requiresCalibrationData)
        (base.index, base.start, base.end, base.update) = (index, start, end, update)
        return args.members + base.savedMembers
    }
}

extension GPTQModifierSpec {
    /// After `QuantizationMixin`'s fields, GPTQ's own. Written config groups are saved with the
    /// activation ordering llm-compressor resolved into them.
    var savedMembers: [(key: String, value: PyYAMLValue)] {
        var members = quantization.savedMembers(configGroups: resolvedConfigGroups)
        members.append(("block_size", .scalar(.integer(Int64(blockSize)))))
        members.append(("dampening_frac", .scalar(.double(dampeningFrac))))
        switch actorder {
        case .unset: members.append(("actorder", .string("static")))
        case let .written(value?): members.append(("actorder", .string(value)))
        case .written(nil): break
        }
        switch batchedQuantization {
        case .auto?: members.append(("batched_quantization", .string("auto")))
        case let .maxBatch(size)?: members.append(("batched_quantization", .scalar(.integer(Int64(size)))))
        case nil: break
        }
        return members
    }
}

extension SmoothQuantModifierSpec {
    var savedMembers: [(key: String, value: PyYAMLValue)] {
        var members = base.savedMembers
        members.append(("smoothing_strength", .scalar(.double(smoothingStrength))))
        if let mappings { members.append(("mappings", .sequence(mappings.map(\.savedValue), tag: nil))) }
        if let ignore { members.append(("ignore", .strings(ignore))) }
        if let numCalibrationSteps { members.append(("num_calibration_steps", .scalar(.integer(Int64(numCalibrationSteps))))) }
        members.append(("algorithm", .string(algorithm.rawValue)))
        return members
    }
}

extension SmoothQuantMapping {
    var savedValue: PyYAMLValue {
        switch form {
        case .list: return .sequence([.strings(balanceLayers), .string(smoothLayer)], tag: nil)
        case .listWithSingleBalance: return .strings(balanceLayers + [smoothLayer])
        case .namedTuple: return .tuple([.strings(balanceLayers), .string(smoothLayer)])
        }
    }
}

extension AWQModifierSpec {
    var savedMembers: [(key: String, value: PyYAMLValue)] {
        var members = base.savedMembers
        if let mappings {
            members.append(("mappings", .sequence(mappings.map { mapping in
                .mapping([("smooth_layer", .string(mapping.smoothLayer)), ("balance_layers", .strings(mapping.balanceLayers)),
                          ("activation_hook_target", mapping.activationHookTarget.map(PyYAMLValue.string) ?? .scalar(.null))])
            }, tag: nil)))
        }
        switch offloadDevice {
        case .notWritten, .none: break
        case let .device(name): members.append(("offload_device", .string(name)))
        case let .torchDevice(name): members.append(("offload_device", .sequence([.string(name)], tag: "!!python/object/apply:torch.device")))
        }
        switch duoScaling {
        case .on: members.append(("duo_scaling", .scalar(.bool(true))))
        case .off: members.append(("duo_scaling", .scalar(.bool(false))))
        case .both: members.append(("duo_scaling", .string("both")))
        }
        members.append(("n_grid", .scalar(.integer(Int64(nGrid)))))
        return members
    }
}
