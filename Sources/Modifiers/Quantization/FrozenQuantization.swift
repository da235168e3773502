import Checkpoint

/// One weight's quantization with the parameters its observer chose on the weight as it was
/// before GPTQ or AWQ changed it (llm-compressor 0.14 computes `weight_scale`,
/// `weight_zero_point` and `weight_global_scale` once, up front): GPTQ fake-quantizes the
/// weight's values with them column by column, and compressed-tensors then encodes the result
/// with them. One conformer per family of formats: ``IntegerFrozenQuantization`` and
/// ``FloatFrozenQuantization``.
protocol FrozenQuantization {
    /// `x` (float32, the value at `row`, `column` of the weight) quantized and dequantized as
    /// llm-compressor 0.14's GPTQ loop does it: `fake_quantize` of a float32 column with the
    /// effective scale (`column_scale_window`), the quotient in float32.
    func fakeQuantize(_ x: Float, row: Int, column: Int) -> Float

    /// The bytes of the format's tensors for `weight` (`rows × columns` values of the weight's
    /// dtype, row-major) encoded with these parameters as compressed-tensors' compressor does, in
    /// the order of the layout's tensors, and the values those codes dequantize to.
    func encode(_ weight: [Float], threads: Int) throws(ModifierError) -> (outputs: [[UInt8]], dequantized: [Float])
}

/// A weight quantizer whose parameters can be observed on a weight and frozen: the formats GPTQ
/// and AWQ quantize.
protocol FreezingWeightQuantizer: WeightQuantizer {
    /// The parameters the quantizer's observer chooses for `data` (the bytes of `weight`, stored
    /// as `S`); `context` holds the fused group's statistic (NVFP4's shared global scale).
    func freeze<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                  context: QuantizationContext) throws(ModifierError) -> any FrozenQuantization
}

extension FreezingWeightQuantizer {
    /// `freeze` with the arithmetic of the weight's dtype (bf16, f16 or f32).
    func freeze(weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                context: QuantizationContext) throws(ModifierError) -> any FrozenQuantization {
        try validate(weight)
        switch weight.dtype {
        case .bf16: return try freeze(BF16Storage.self, weight: weight, data: data, threads: threads, context: context)
        case .f16: return try freeze(F16Storage.self, weight: weight, data: data, threads: threads, context: context)
        case .f32: return try freeze(F32Storage.self, weight: weight, data: data, threads: threads, context: context)
        default: throw .unquantizableWeight(tensor: weight.name, reason: "dtype \(weight.dtype.rawValue) cannot be quantized")
        }
    }

    /// `values` (`rows × columns` values of the weight's dtype) quantized with the parameters
    /// observed on them and dequantized, with the arithmetic of the data-free quantizer (what
    /// llm-compressor's `forward_quantize` gives AWQ's candidates).
    func roundTrip(_ values: [Float], weight: TensorInfo, threads: Int, context: QuantizationContext) throws(ModifierError) -> [Float] {
        let bytes = StoredValues.bytes(values, as: weight.dtype)
        let frozen = try bytes.withTypedUnsafeBytes { (data) throws(ModifierError) in
            try freeze(weight: weight, data: data, threads: threads, context: context)
        }
        return try frozen.encode(values, threads: threads).dequantized
    }
}

/// Captures the bytes a quantizer emits for each of its outputs.
func capturedOutputs(_ body: ((UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) -> Void) throws(ModifierError) -> [[UInt8]] {
    var outputs: [[UInt8]] = []
    try body { outputs.append(Array($0)) }
    return outputs
}
