import Checkpoint
import CompressedTensors
import Recipes

/// config.json's compressed-tensors `quantization_config` as the runtime uses it: read and
/// validated as `compress verify` reads it (``CompressedTensorsConfig``: every config group's
/// arguments checked, so group and block sizes are positive), which config group quantizes a
/// module (``ConfigGroupAssignment``, as `oneshot` and `verify` assign it), and what that group
/// says about its weights and activations.
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

    let config: CompressedTensorsConfig
    private let assignment: ConfigGroupAssignment

    /// `kv_cache_scheme`, when the checkpoint quantizes its KV cache.
    var keyValueCacheScheme: QuantizationArgs? { config.kvCacheScheme }

    /// The `quantization_config` of `config`, or nil when it has none.
    /// - Throws: `invalidConfig` naming `file` when it breaks compressed-tensors' rules.
    init?(_ config: ModelConfig?, file: String) throws(RuntimeError) {
        guard let json = config?.json["quantization_config"] else { return nil }
        do { self.config = try CompressedTensorsConfig(json: json, file: file) } catch { throw .compressedTensors(error) }
        assignment = ConfigGroupAssignment(config: self.config, file: file)
    }

    /// The config group that quantizes `module`, a layer of class `className` (a Linear layer, or
    /// an Embedding) named as the checkpoint names it; nil when `ignore` matches it or no target does.
    func group(for module: String, className: String = "Linear") throws(RuntimeError) -> Group? {
        let match: ConfigGroupAssignment.Match?
        do { match = try assignment.group(ofModule: module, className: className) } catch { throw .compressedTensors(error) }
        guard let match else { return nil }
        let group = config.configGroups[match.group]
        return Group(name: group.name, scheme: group.scheme)
    }

    /// How the layers of `group` quantize their input: nil when they do not; `stored` reads one
    /// of the layer's activation parameters (`input_scale` with its zero point, the value of a
    /// static scale a non-dynamic group needs; `input_global_scale`, NVFP4's).
    func activations(of group: Group, module: String, stored: (StoredInputScale) throws(RuntimeError) -> (scale: Float, zeroPoint: Float)?)
        throws(RuntimeError) -> ActivationQuantization? {
        guard let args = group.scheme.inputActivations else { return nil }
        let grid = try Self.grid(of: args, module: module)
        if args.hasNVFP4Scales {
            guard let global = try stored(.global) else { throw .missingTensor(module + ".input_global_scale") }
            return ActivationQuantization(grid: grid, scale: .nvfp4(global: global.scale))
        }
        if let fixed = try stored(.scale) { return ActivationQuantization(grid: grid, scale: .fixed(fixed.scale), zeroPoint: fixed.zeroPoint) }
        guard args.dynamic == .on else { throw .missingTensor(module + ".input_scale") }
        if args.hasMXScales { return ActivationQuantization(grid: grid, scale: .mx) }
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

    /// The grid activations quantized with `args` (of module `module`) round to: FP8 (symmetric
    /// 8-bit float), FP4 (NVFP4, MX) or int8 (symmetric, or static with a zero point).
    /// - Throws: `unsupportedQuantization` for any other.
    static func grid(of args: QuantizationArgs, module: String) throws(RuntimeError) -> ActivationQuantization.Grid {
        switch (args.type, args.numBits) {
        case (.float, 8) where args.symmetric: return .fp8
        case (.float, 4) where args.hasMXScales || args.hasNVFP4Scales: return .fp4
        case (.int, 8) where args.symmetric || args.dynamic == .off: return .int8
        default:
            throw .unsupportedQuantization(module: module, reason: "\(args.numBits)-bit \(args.type.rawValue) input activations (symmetric: \(args.symmetric))")
        }
    }

    /// The config group that quantizes attention module `module`'s query, key and value states
    /// (attention quantization, assigned as `oneshot` and `verify` assign it:
    /// `ConfigGroupAssignment.attentionGroup`), with `children` the modules inside it, of the
    /// model `model` describes; nil when none does.
    func attentionGroup(of module: String, children: @autoclosure () -> [(name: String, className: String)], model: ModelConfig?) throws(RuntimeError) -> Group? {
        let match: ConfigGroupAssignment.Match?
        do { match = try assignment.attentionGroup(ofModule: module, children: children(), config: model) } catch { throw .compressedTensors(error) }
        guard let match else { return nil }
        let group = config.configGroups[match.group]
        return Group(name: group.name, scheme: group.scheme)
    }

    /// The stored parameters of a layer's input quantization.
    enum StoredInputScale {
        /// `input_scale` (and `input_zero_point` when asymmetric).
        case scale
        /// `input_global_scale`, F32 [1].
        case global
    }
}
