import JSON

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
            ("observer_kwargs", .object(JSONObject(observerKwargs.members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))),
            ("scale_dtype", scaleDtype.map(JSONValue.string) ?? .null),
            ("strategy", .string(strategy.rawValue)),
            ("symmetric", .bool(symmetric)),
            ("type", .string(type.rawValue)),
            ("zp_dtype", serializedZpDtype.map(JSONValue.string) ?? .null),
        ]))
    }

    /// compressed-tensors serializes `zp_dtype` only for asymmetric quantization.
    var serializedZpDtype: String? { symmetric ? nil : zpDtype }
}
