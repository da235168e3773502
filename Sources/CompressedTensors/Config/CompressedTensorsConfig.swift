import Checkpoint
import JSON
import Recipes

/// A checkpoint's compressed-tensors `quantization_config` (config.json), as compressed-tensors
/// 0.19's `QuantizationConfig` holds it: the config groups in order, `ignore`, the KV-cache
/// scheme, the top-level `format` and `quantization_status`. `oneshot` writes it
/// (``json(formats:)``), `verify` and the runtime read it (``init(json:file:)``).
public struct CompressedTensorsConfig: Sendable {
    /// The config groups in order.
    public var configGroups: [(name: String, scheme: QuantizationScheme)]
    /// Module names, class names or `re:` patterns left unquantized.
    public var ignore: [String]
    public var kvCacheScheme: QuantizationArgs?
    /// The top-level `format`: the format of every group, or "mixed-precision".
    public var format: String?
    /// `quantization_status`: "compressed" for a compressed checkpoint.
    public var quantizationStatus: String?

    /// compressed-tensors' `QuantizationStatus` values.
    public static let statuses = ["initialized", "calibration", "frozen", "compressed"]
    /// The `quant_method` of compressed-tensors checkpoints.
    public static let quantMethod = "compressed-tensors"
    /// The compressed-tensors version whose format `oneshot` writes.
    public static let version = "0.19.0"

    /// A config to write: groups, ignore list and KV-cache scheme, stored compressed.
    public init(configGroups: [(name: String, scheme: QuantizationScheme)], ignore: [String], kvCacheScheme: QuantizationArgs?) {
        self.configGroups = configGroups
        self.ignore = ignore
        self.kvCacheScheme = kvCacheScheme
        quantizationStatus = "compressed"
    }

    /// Reads `value`, the `quantization_config` object of config.json, with the validators recipes
    /// go through: every config group's scheme and args validated, unknown keys inside them
    /// refused, a group written `PRESET: [targets]` expanded to that preset; unknown top-level keys
    /// are ignored, as compressed-tensors ignores them.
    /// - Throws: `invalidConfig` naming `file`; JSON has no source positions, so the wrapped
    ///   `RecipeError` is at line 0, column 0, and its `message` names the key.
    public init(json value: JSONValue, file: String) throws(CompressedTensorsError) {
        do { self = try Self.read(value, file: file) } catch { throw .invalidConfig(file: file, error) }
    }

    private init(groups: [(name: String, scheme: QuantizationScheme)], ignore: [String], kvCacheScheme: QuantizationArgs?,
                 format: String?, status: String?) {
        configGroups = groups
        self.ignore = ignore
        self.kvCacheScheme = kvCacheScheme
        self.format = format
        quantizationStatus = status
    }

    private static func read(_ value: JSONValue, file: String) throws(RecipeError) -> CompressedTensorsConfig {
        let root = YAMLNode(json: value, position: SourcePosition(file: file, line: 0, column: 0))
        var groups: [(name: String, scheme: QuantizationScheme)]?
        var ignore: [String] = []
        var kvCacheScheme: QuantizationArgs?
        var format: String?
        var status: String?
        for (key, _, node) in try stringKeyed(try root.mapping(for: "quantization_config"), context: "quantization_config") {
            switch key {
            case "config_groups":
                groups = try configGroups(node)
            case "ignore":
                ignore = node.isNull ? [] : try node.patternList(for: key)
            case "kv_cache_scheme":
                kvCacheScheme = node.isNull ? nil : try QuantizationArgsReader.read(node, context: "kv_cache_scheme")
            case "format":
                format = try oneOf(node, key, QuantizationScheme.compressionFormats)
            case "quantization_status":
                status = try oneOf(node, key, statuses)
            case "quant_method":
                _ = try oneOf(node, key, [quantMethod])
            default:
                continue
            }
        }
        guard let groups else {
            throw .invalidScheme(root.position, message: "quantization_config has no 'config_groups'")
        }
        return CompressedTensorsConfig(groups: groups, ignore: ignore, kvCacheScheme: kvCacheScheme, format: format, status: status)
    }

    /// `config_groups`: each a scheme mapping, or a preset name with its targets.
    private static func configGroups(_ node: YAMLNode) throws(RecipeError) -> [(name: String, scheme: QuantizationScheme)] {
        var groups: [(name: String, scheme: QuantizationScheme)] = []
        for (name, key, value) in try stringKeyed(try node.mapping(for: "config_groups"), context: "config_groups") {
            guard value.sequenceItems != nil else {
                groups.append((name, try ConfigGroupReader.scheme(named: name, key: key, node: value)))
                continue
            }
            let targets = try value.patternList(for: name)
            guard let preset = SchemePresets.scheme(named: name, targets: targets) else {
                throw .unknownPreset(key.position, name: name, suggestion: EditDistance.suggestion(for: name.uppercased(), among: SchemePresets.names))
            }
            groups.append((name, preset))
        }
        return groups
    }

    /// A string value of `key` that must be one of `allowed`; null gives nil.
    private static func oneOf(_ node: YAMLNode, _ key: String, _ allowed: [String]) throws(RecipeError) -> String? {
        guard let text = try node.optionalString(for: key) else { return nil }
        guard allowed.contains(text) else {
            throw .invalidValue(node.position, key: key, value: text, allowed: allowed,
                                suggestion: EditDistance.suggestion(for: text, among: allowed))
        }
        return text
    }
}
