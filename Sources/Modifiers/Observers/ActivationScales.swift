import Architectures
import Checkpoint
import CompressedTensors
import Recipes

/// The tensors calibration adds beside a quantized module's weight outputs, from its scheme's
/// static activation settings and the modifier's `kv_cache_scheme`, as compressed-tensors names them.
enum ActivationScales {
    /// What one module's inputs contribute.
    enum InputScale: Equatable, Sendable {
        /// A static per-tensor scale: `input_scale`, in the weight's dtype (FP8 or integer,
        /// symmetric), with an `input_zero_point` (`zp_dtype`) for asymmetric integers.
        case perTensor
        /// NVFP4's static global scale of dynamically quantized groups: `input_global_scale`, f32.
        case global
    }

    /// The input scale `scheme` needs from calibration, or nil for dynamic or absent activations.
    /// - Throws: `unsupportedScheme` for static activations this port cannot calibrate (asymmetric
    ///   floats, per channel or group, output activations).
    static func inputScale(of scheme: QuantizationScheme, group: String) throws(ModifierError) -> InputScale? {
        if let output = scheme.outputActivations, output.dynamic == .off {
            throw .unsupportedScheme(group: group, reason: "static output activations are not supported")
        }
        guard let input = scheme.inputActivations else { return nil }
        switch (input.dynamic, input.strategy) {
        case (.on, _): return nil
        case (.local, .tensorGroup): return .global
        case (.off, .tensor) where input.type == .int || (input.symmetric && input.numBits == 8):
            return .perTensor
        default:
            throw .unsupportedScheme(
                group: group,
                reason: "static \(input.symmetric ? "symmetric" : "asymmetric") \(input.numBits)-bit \(input.type) input activations with strategy \(input.strategy) are not supported; use per-tensor (symmetric, or asymmetric integers)")
        }
    }

    /// The tensors calibration writes for the inputs of `module` (whose weight is `weight`) under
    /// `scheme`, as compressed-tensors lays them out (``ActivationLayout``): an `input_scale` in the
    /// weight's dtype, or NVFP4's f32 `input_global_scale`.
    static func outputs(of scheme: QuantizationScheme, module: String, weight: TensorInfo) -> [OutputTensor] {
        ActivationLayout.tensors(module: module, scheme: scheme, rows: weight.shape[0], columns: weight.shape[1], floatDType: weight.dtype)
            .compactMap(\.output)
    }

    /// The KV cache schemes calibration can write: static and symmetric, 8-bit float or integer,
    /// one scale per tensor or per KV head (`attn_head`, not for latent attention, whose cache
    /// holds one latent shared by every head).
    /// Attention quantization's input activations (`what`: its config group) follow the same rules.
    /// - Throws: `unsupportedScheme` naming `what` for any other.
    static func requireKeyValueScheme(_ args: QuantizationArgs, layout: AttentionLayout, what: String) throws(ModifierError) {
        if args.strategy == .attnHead, layout.latent != nil {
            throw .unsupportedScheme(group: what, reason: "strategy attn_head is not supported for latent attention, whose KV cache holds one latent shared by every head; use strategy tensor")
        }
        guard args.dynamic == .off, args.symmetric, args.numBits == 8 || args.type == .int,
              args.strategy == .tensor || args.strategy == .attnHead else {
            throw .unsupportedScheme(
                group: what,
                reason: "a \(args.dynamic == .off ? "static" : "dynamic") \(args.symmetric ? "symmetric" : "asymmetric") \(args.numBits)-bit \(args.type.rawValue) KV cache with strategy \(args.strategy.rawValue) is not supported; use a static symmetric one with strategy tensor or attn_head")
        }
    }

    /// `k_scale` and `v_scale` of the attention module `attention` (`model.layers.N.self_attn`)
    /// under `scheme`, `[1]` per tensor or `[kv heads, 1, 1]` per head (``KeyValueCacheLayout``),
    /// in the dtype of its key projection's weight; with `zeroPoints`, each followed by its zero
    /// point even when symmetric.
    static func keyValueOutputs(attention: String, dtype: DType, scheme: QuantizationArgs, config: ModelConfig?,
                                zeroPoints: Bool) -> [OutputTensor] {
        KeyValueCacheLayout.tensors(module: attention, scheme: scheme, config: config, floatDType: dtype)
            .filter { zeroPoints || !$0.optional }.compactMap(\.output)
    }

    /// `q_scale` and `q_zero_point` of the attention module `attention` under attention
    /// quantization's `scheme`, `[1]` per tensor or `[attention heads, 1, 1]` per head, the scale
    /// in the dtype of its key projection's weight. compressed-tensors writes zero points for the
    /// query, key and value states of attention quantization even when symmetric (all zero), as
    /// `initialize_attn_qparams` makes them during calibration.
    static func queryOutputs(attention: String, dtype: DType, scheme: QuantizationArgs, config: ModelConfig?) -> [OutputTensor] {
        KeyValueCacheLayout.queryTensors(module: attention, scheme: scheme, config: config, floatDType: dtype).compactMap(\.output)
    }

    /// Bytes of one scalar `value` stored as `dtype` (BF16, F16 or F32), little-endian.
    static func bytes(_ value: Float, as dtype: DType) -> [UInt8] {
        switch dtype {
        case .bf16: let b = BF16.bits(value); return [UInt8(b & 0xFF), UInt8(b >> 8)]
        case .f16: let b = F16.bits(value); return [UInt8(b & 0xFF), UInt8(b >> 8)]
        default: return withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        }
    }
}
