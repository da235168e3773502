extension QuantizationScheme {
    /// The scheme as pydantic's `model_dump()` orders it, for a saved recipe.
    var dumpValue: PyYAMLValue {
        .mapping([
            ("targets", .strings(targets)),
            ("weights", weights?.dumpValue ?? .scalar(.null)),
            ("input_activations", inputActivations?.dumpValue ?? .scalar(.null)),
            ("output_activations", outputActivations?.dumpValue ?? .scalar(.null)),
            ("format", format.map(PyYAMLValue.string) ?? .scalar(.null)),
        ])
    }
}

extension QuantizationArgs {
    /// The args as pydantic's `model_dump()` orders them (field declaration order), which is what
    /// llm-compressor writes into a saved recipe.yaml; fields held as enum members are written as
    /// PyYAML writes those (`!!python/object/apply:...`).
    var dumpValue: PyYAMLValue {
        func member(_ value: String, of enumType: String, if field: EnumMembers) -> PyYAMLValue {
            enumMembers.contains(field)
                ? .sequence([.string(value)], tag: "!!python/object/apply:compressed_tensors.quantization.quant_args." + enumType)
                : .string(value)
        }
        func optional(_ value: String?) -> PyYAMLValue { value.map(PyYAMLValue.string) ?? .scalar(.null) }
        func integer(_ value: Int?) -> PyYAMLValue { .scalar(value.map { .integer(Int64($0)) } ?? .null) }
        return .mapping([
            ("num_bits", integer(numBits)),
            ("type", member(type.rawValue, of: "QuantizationType", if: .type)),
            ("symmetric", .scalar(.bool(symmetric))),
            ("group_size", integer(groupSize)),
            ("strategy", member(strategy.rawValue, of: "QuantizationStrategy", if: .strategy)),
            ("block_structure", blockStructure.map { .sequence($0.map(integer), tag: nil) } ?? .scalar(.null)),
            ("dynamic", .scalar(dynamic.jsonValue)),
            ("actorder", actorder.map { member($0, of: "ActivationOrdering", if: .actorder) } ?? .scalar(.null)),
            ("scale_dtype", optional(scaleDtype)),
            ("zp_dtype", optional(serializedZpDtype)),
            ("observer", optional(observer)),
            ("observer_kwargs", PyYAMLValue(.object(observerKwargs))),
        ])
    }
}
