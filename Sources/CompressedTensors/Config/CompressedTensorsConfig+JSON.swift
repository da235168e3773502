import Checkpoint
import JSON
import Recipes

extension CompressedTensorsConfig {
    /// The config as llm-compressor 0.14 writes it into config.json, key for key, each group
    /// stored in `formats[i]` (its ``CompressedWeightLayout/format``). Groups are named `group_0`,
    /// `group_1`, ... in order, whatever the recipe called them, as llm-compressor names them.
    public func json(formats: [String]) -> JSONValue {
        var groups = JSONObject()
        for (i, group) in configGroups.enumerated() {
            groups["group_\(i)"] = group.scheme.configJSON(inferredFormat: formats[i])
        }
        return .object(JSONObject([
            ("config_groups", .object(groups)),
            ("format", .string(Self.overallFormat(formats))),
            ("global_compression_ratio", .null),
            ("ignore", .array(ignore.map { .string($0) })),
            ("kv_cache_scheme", kvCacheScheme?.configJSON ?? .null),
            ("quant_method", .string(Self.quantMethod)),
            ("quantization_status", .string(quantizationStatus ?? "compressed")),
            ("sparsity_config", .object(JSONObject())),
            ("transform_config", .object(JSONObject())),
            ("version", .string(Self.version)),
        ]))
    }

    /// The top-level `format` of a quantization_config whose groups are stored as `formats`: their
    /// common format, "mixed-precision" when they differ, "dense" when there are none.
    public static func overallFormat(_ formats: [String]) -> String {
        guard let first = formats.first else { return "dense" }
        return Set(formats).count == 1 ? first : "mixed-precision"
    }
}
