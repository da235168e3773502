import Checkpoint

extension QuantizationArgs {
    /// The args exactly as compressed-tensors 0.19 writes them in config.json's
    /// `quantization_config.config_groups.*`: keys sorted, nulls included, `zp_dtype` null when
    /// symmetric.
    public var configJSON: JSONValue {
        .object(JSONObject([
            ("actorder", actorder.map(JSONValue.string) ?? .null),
            ("block_structure", blockStructure.map { .array($0.map { .integer(Int64($0)) }) } ?? .null),
            ("dynamic", dynamic.jsonValue),
            ("group_size", groupSize.map { .integer(Int64($0)) } ?? .null),
            ("num_bits", .integer(Int64(numBits))),
            ("observer", observer.map(JSONValue.string) ?? .null),
            ("observer_kwargs", .object(observerKwargs)),
            ("scale_dtype", scaleDtype.map(JSONValue.string) ?? .null),
            ("strategy", .string(strategy.rawValue)),
            ("symmetric", .bool(symmetric)),
            ("type", .string(type.rawValue)),
            ("zp_dtype", serializedZpDtype.map(JSONValue.string) ?? .null),
        ]))
    }

    /// The args as pydantic's `model_dump()` orders them (field declaration order), which is what
    /// llm-compressor writes into a saved recipe.yaml.
    var dumpValue: JSONValue {
        .object(JSONObject([
            ("num_bits", .integer(Int64(numBits))),
            ("type", .string(type.rawValue)),
            ("symmetric", .bool(symmetric)),
            ("group_size", groupSize.map { .integer(Int64($0)) } ?? .null),
            ("strategy", .string(strategy.rawValue)),
            ("block_structure", blockStructure.map { .array($0.map { .integer(Int64($0)) }) } ?? .null),
            ("dynamic", dynamic.jsonValue),
            ("actorder", actorder.map(JSONValue.string) ?? .null),
            ("scale_dtype", scaleDtype.map(JSONValue.string) ?? .null),
            ("zp_dtype", serializedZpDtype.map(JSONValue.string) ?? .null),
            ("observer", observer.map(JSONValue.string) ?? .null),
            ("observer_kwargs", .object(observerKwargs)),
        ]))
    }

    /// compressed-tensors serializes `zp_dtype` only for asymmetric quantization.
    private var serializedZpDtype: String? { symmetric ? nil : zpDtype }
}
