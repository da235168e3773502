import Checkpoint

/// The parts of config.json's compressed-tensors `quantization_config` the runtime needs: which
/// config group targets a module, and what that group says about its weights and activations.
struct QuantizationConfig {
    /// One entry of `config_groups`.
    struct Group {
        let name: String
        let targets: [String]
        /// `weights.num_bits`.
        let weightBits: Int?
        /// The weight's scale block `[rows, columns]` (`block_structure` or `[1, group_size]`).
        let weightBlock: [Int]?
        /// `input_activations`, or nil when activations are not quantized.
        let inputActivations: JSONObject?
    }

    let groups: [Group]
    let ignore: [String]
    let file: String

    /// The `quantization_config` of `config`, or nil when it has none.
    init?(_ config: ModelConfig?, file: String) {
        guard let object = config?.json["quantization_config"]?.objectValue else { return nil }
        self.file = file
        ignore = object["ignore"]?.arrayValue?.compactMap(\.stringValue) ?? []
        groups = (object["config_groups"]?.objectValue?.members ?? []).compactMap { member in
            guard let group = member.value.objectValue else { return nil }
            let weights = group["weights"]?.objectValue
            var block: [Int]? = nil
            if let structure = weights?["block_structure"]?.arrayValue?.compactMap(\.integerValue), structure.count == 2 {
                block = structure.map { Int($0) }
            } else if weights?["strategy"]?.stringValue == "group", let size = weights?["group_size"]?.integerValue {
                block = [1, Int(size)]
            }
            return Group(
                name: member.key,
                targets: group["targets"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                weightBits: weights?["num_bits"]?.integerValue.map { Int($0) },
                weightBlock: block,
                inputActivations: group["input_activations"]?.objectValue)
        }
    }

    /// The first group with a target matching `module` (a Linear layer), unless `ignore` matches it.
    ///
    /// A target matches as compressed-tensors matches it: `Linear` (the class) every layer asked
    /// about, `re:PATTERN` when the pattern matches at the start of the name, any other string
    /// the whole name or its last components.
    func group(for module: String) throws(RuntimeError) -> Group? {
        if try matchesAny(ignore, module) { return nil }
        for group in groups where try matchesAny(group.targets, module) { return group }
        return nil
    }

    private func matchesAny(_ targets: [String], _ module: String) throws(RuntimeError) -> Bool {
        for target in targets where try matches(target, module) { return true }
        return false
    }

    private func matches(_ target: String, _ module: String) throws(RuntimeError) -> Bool {
        if target == "Linear" { return true }
        if target.hasPrefix("re:") {
            let pattern = String(target.dropFirst(3))
            let regex: Regex<AnyRegexOutput>
            do { regex = try Regex(pattern) } catch {
                throw .invalidConfiguration(file: file, reason: "quantization_config: invalid pattern '\(pattern)'")
            }
            return module.prefixMatch(of: regex) != nil
        }
        return module == target || module.hasSuffix("." + target)
    }

    /// How the layers of `group` quantize their input: nil when they do not; `inputScale`
    /// supplies the static scale a non-dynamic group needs.
    func activations(of group: Group, module: String, inputScale: () throws(RuntimeError) -> Float?) throws(RuntimeError) -> ActivationQuantization? {
        guard let args = group.inputActivations else { return nil }
        let type = args["type"]?.stringValue ?? "int", bits = args["num_bits"]?.integerValue ?? 8
        let grid: ActivationQuantization.Grid
        switch (type, bits) {
        case ("float", 8): grid = .fp8
        case ("int", 8) where args["symmetric"]?.boolValue ?? true: grid = .int8
        default:
            throw .unsupportedQuantization(module: module, reason: "\(bits)-bit \(type) input activations (symmetric: \(args["symmetric"]?.boolValue ?? true))")
        }
        if let scale = try inputScale() { return ActivationQuantization(grid: grid, scale: .fixed(scale)) }
        let strategy = args["strategy"]?.stringValue ?? "tensor"
        guard args["dynamic"]?.boolValue == true else { throw .missingTensor(module + ".input_scale") }
        switch strategy {
        case "token": return ActivationQuantization(grid: grid, scale: .token)
        case "tensor": return ActivationQuantization(grid: grid, scale: .tensor)
        case "group":
            guard let size = args["group_size"]?.integerValue, size > 0 else {
                throw .unsupportedQuantization(module: module, reason: "group input activations without a group_size")
            }
            return ActivationQuantization(grid: grid, scale: .group(size: Int(size)))
        default:
            throw .unsupportedQuantization(module: module, reason: "input activation strategy '\(strategy)'")
        }
    }
}
