import Checkpoint
import JSON
import Recipes

/// The `quantization_config` that llm-compressor 0.14 writes into config.json, key for key.
enum QuantizationConfigBuilder {
    /// The compressed-tensors format version our output follows.
    static let compressedTensorsVersion = "0.19.0"

    /// The config for `groups`, each written in `formats[i]`, with `ignore` and an optional KV-cache scheme.
    /// Groups are named `group_0`, `group_1`, ... in order, whatever the recipe called them, as
    /// llm-compressor writes them.
    static func config(groups: [(name: String, scheme: QuantizationScheme)], formats: [String],
                       ignore: [String], kvCacheScheme: QuantizationArgs?) -> JSONValue {
        var configGroups = JSONObject()
        for (i, group) in groups.enumerated() {
            configGroups["group_\(i)"] = group.scheme.configJSON(inferredFormat: formats[i])
        }
        let format = CompressedWeightLayout.overallFormat(formats)
        return .object(JSONObject([
            ("config_groups", .object(configGroups)),
            ("format", .string(format)),
            ("global_compression_ratio", .null),
            ("ignore", .array(ignore.map { .string($0) })),
            ("kv_cache_scheme", kvCacheScheme?.configJSON ?? .null),
            ("quant_method", .string("compressed-tensors")),
            ("quantization_status", .string("compressed")),
            ("sparsity_config", .object(JSONObject())),
            ("transform_config", .object(JSONObject())),
            ("version", .string(compressedTensorsVersion)),
        ]))
    }
}
