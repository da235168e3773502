import Checkpoint
import Recipes

/// config.json's compressed-tensors `quantization_config`, read and validated as `compress verify`
/// reads it (``CompressedTensorsConfig``: every config group's arguments checked, so group and
/// block sizes are positive), and what the runtime needs of it: which config group targets a
/// module, and what that group says about its weights and activations.
struct QuantizationConfig {
    /// One entry of `config_groups`.
    struct Group {
        let name: String
        let scheme: QuantizationScheme

        /// `weights.num_bits`.
        var weightBits: Int? { scheme.weights?.numBits }
        /// The weight's scale block `[rows, columns]` (`block_structure` or `[1, group_size]`).
        var weightBlock: [Int]? { scheme.weights?.scaleBlock }
    }

    let groups: [Group]
    let ignore: [String]
    /// `kv_cache_scheme`, when the checkpoint quantizes its KV cache.
    let keyValueCacheScheme: QuantizationArgs?
    let file: String

    /// The `quantization_config` of `config`, or nil when it has none.
    /// - Throws: `invalidConfiguration` naming `file` when it breaks compressed-tensors' rules.
    init?(_ config: ModelConfig?, file: String) throws(RuntimeError) {
        guard let json = config?.json["quantization_config"] else { return nil }
        let parsed: CompressedTensorsConfig
        do { parsed = try CompressedTensorsConfig(json: json, file: file) } catch {
            throw .invalidConfiguration(file: file, reason: "quantization_config: \(error.message)")
        }
        self.file = file
        groups = parsed.configGroups.map { Group(name: $0.name, scheme: $0.scheme) }
        ignore = parsed.ignore
        keyValueCacheScheme = parsed.kvCacheScheme
    }

    /// The first group with a target matching `module` (a Linear layer), unless `ignore` matches it.
    ///
    /// A target matches as compressed-tensors matches it: `Linear` (the class) every layer asked
    /// about, `re:PATTERN` when the pattern matches at the start of the name, any other string
    /// the whole name or its last components.
    func group(for module: String) throws(RuntimeError) -> Group? {
        if try matchesAny(ignore, module) { return nil }
        for group in groups where try matchesAny(group.scheme.targets, module) { return group }
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
        guard let args = group.scheme.inputActivations else { return nil }
        let grid: ActivationQuantization.Grid
        switch (args.type, args.numBits) {
        case (.float, 8): grid = .fp8
        case (.int, 8) where args.symmetric: grid = .int8
        default:
            throw .unsupportedQuantization(module: module, reason: "\(args.numBits)-bit \(args.type.rawValue) input activations (symmetric: \(args.symmetric))")
        }
        if let scale = try inputScale() { return ActivationQuantization(grid: grid, scale: .fixed(scale)) }
        guard args.dynamic == .on else { throw .missingTensor(module + ".input_scale") }
        switch args.strategy {
        case .token: return ActivationQuantization(grid: grid, scale: .token)
        case .tensor: return ActivationQuantization(grid: grid, scale: .tensor)
        case .group:
            guard let size = args.groupSize, size > 0 else {
                throw .unsupportedQuantization(module: module, reason: "group input activations without a group_size")
            }
            return ActivationQuantization(grid: grid, scale: .group(size: size))
        default:
            throw .unsupportedQuantization(module: module, reason: "input activation strategy '\(args.strategy.rawValue)'")
        }
    }
}
