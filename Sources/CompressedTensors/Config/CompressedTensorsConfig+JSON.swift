import Checkpoint
import JSON
import Recipes

extension CompressedTensorsConfig {
    /// The config as llm-compressor 0.14 writes it into config.json, key for key, each group
    /// stored in `formats[i]` (its ``CompressedWeightLayout/format``). Groups are named `group_0`,
    /// `group_1`, ... in order, whatever the recipe called them, as llm-compressor names them.
    /// A checkpoint with a group in a format compressed-tensors 0.19 cannot read is written as
    /// compressed-tensors 0.20.1 writes it (``compacted020(_:)``, `moe_sparsity_config`, its version).
    public func json(formats: [String]) -> JSONValue {
        let is020 = formats.contains { Self.formatsAddedIn020.contains($0) }
        func args(_ json: JSONValue) -> JSONValue { is020 ? Self.compacted020(json) : json }
        var groups = JSONObject()
        for (i, group) in configGroups.enumerated() {
            var scheme = group.scheme.configJSON(inferredFormat: formats[i]).objectValue ?? JSONObject()
            for field in ["input_activations", "output_activations", "weights"] { scheme[field] = scheme[field].map(args) }
            groups["group_\(i)"] = .object(scheme)
        }
        return .object(JSONObject([
            ("config_groups", .object(groups)),
            ("format", .string(Self.overallFormat(formats))),
            ("global_compression_ratio", .null),
            ("ignore", .array(ignore.map { .string($0) })),
            ("kv_cache_scheme", kvCacheScheme.map { args($0.configJSON) } ?? .null),
        ] + (is020 ? [("moe_sparsity_config", JSONValue.null)] : []) + [
            ("quant_method", .string(Self.quantMethod)),
            ("quantization_status", .string(quantizationStatus ?? "compressed")),
            ("sparsity_config", .object(JSONObject())),
            ("transform_config", .object(JSONObject())),
            ("version", .string(is020 ? Self.version020 : Self.version)),
        ]))
    }

    /// Formats compressed-tensors 0.20 added.
    public static let formatsAddedIn020: Set<String> = ["mxfp6-pack-quantized"]
    /// The compressed-tensors version whose layout checkpoints in ``formatsAddedIn020`` follow.
    public static let version020 = "0.20.1"

    /// Quantization args as compressed-tensors 0.20 serializes them: `actorder`, `block_structure`,
    /// `scale_dtype`, `observer` and `zp_dtype` left out when null, `observer_kwargs` when empty.
    /// (0.20 also leaves out an `observer` or `zp_dtype` the user did not set; llm-compressor sets
    /// the weight observer, and MX args are symmetric, whose `zp_dtype` is written null.)
    static func compacted020(_ args: JSONValue) -> JSONValue {
        guard case var .object(object) = args else { return args }
        for key in ["actorder", "block_structure", "scale_dtype", "observer", "zp_dtype"] where object[key] == .null { object[key] = nil }
        if object["observer_kwargs"]?.objectValue?.isEmpty == true { object["observer_kwargs"] = nil }
        return .object(object)
    }

    /// The top-level `format` of a quantization_config whose groups are stored as `formats`: their
    /// common format, "mixed-precision" when they differ, "dense" when there are none; groups
    /// stored "dense" (attention quantization's) count for none, as in compressed-tensors'
    /// `infer_model_format`.
    public static func overallFormat(_ formats: [String]) -> String {
        let stored = formats.filter { $0 != "dense" }
        guard let first = stored.first else { return "dense" }
        return Set(stored).count == 1 ? first : "mixed-precision"
    }
}
