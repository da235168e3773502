import Checkpoint
import Recipes

/// The KV-cache scales compressed-tensors 0.19 keeps on attention modules when the config has a
/// `kv_cache_scheme` (`initialize_attn_qparams` in quantization/lifecycle/initialize.py):
/// `k_scale` and `v_scale` in the model's float dtype, `[1]` per tensor or
/// `[num_key_value_heads, 1, 1]` per head, with zero points of the same shape when asymmetric
/// (allowed when symmetric, as the attention module's state is stored as it is). Attention
/// modules are the ones llm-compressor targets (`re:.*(self_attn|attention)$`) that have key
/// and value projections.
public enum KeyValueCacheLayout {
    public static let attentionTarget = "re:.*(self_attn|attention)$"
    /// Child modules that make a module an attention module for compressed-tensors.
    public static let projections: Set<String> = ["k_proj", "v_proj", "qkv_proj", "kv_b_proj"]

    /// The attention modules among `modules` (every module name of a checkpoint) not matched by
    /// `ignore` (config.json's).
    /// - Throws: `pattern` when an ignore pattern runs out of its matching step budget.
    public static func attentionModules(_ modules: [String], ignore: [String]) throws(CompressedTensorsError) -> Set<String> {
        let matcher = ModuleMatcher(targets: [attentionTarget], ignore: ignore,
                                    source: SourcePosition(file: ModelConfig.fileName, line: 0, column: 0))
        var result = Set<String>()
        for module in modules {
            guard let dot = module.lastIndex(of: "."), projections.contains(String(module[module.index(after: dot)...])) else { continue }
            let parent = String(module[..<dot])
            do {
                if try matcher.matches(moduleName: parent, className: "Attention") { result.insert(parent) }
            } catch {
                throw .pattern(error)
            }
        }
        return result
    }

    /// The names of attention module `module`'s key and value scales.
    public static func scaleNames(module: String) -> (key: String, value: String) {
        (module + ".k_scale", module + ".v_scale")
    }

    /// The names of attention module `module`'s key and value zero points (asymmetric caches).
    public static func zeroPointNames(module: String) -> (key: String, value: String) {
        (module + ".k_zero_point", module + ".v_zero_point")
    }

    /// What attention module `module` holds under `scheme`; `config` gives the head count and
    /// `floatDType` is the model's dtype, nil when unknown.
    public static func tensors(module: String, scheme: QuantizationArgs, config: ModelConfig?, floatDType: DType?) -> [StoredTensor] {
        let shape = shape(scheme, heads: (config?.json["num_key_value_heads"] ?? config?.json["num_attention_heads"])?.integerValue)
        let scales = scaleNames(module: module), zeroPoints = zeroPointNames(module: module)
        return [(scales.key, zeroPoints.key), (scales.value, zeroPoints.value)].flatMap { scale, zeroPoint in
            [StoredTensor(name: scale, dtype: floatDType, shape: shape),
             StoredTensor(name: zeroPoint, dtype: scheme.zeroPointDType, shape: shape, optional: scheme.symmetric)]
        }
    }

    /// The query scale attention quantization (a config group with only input activations that
    /// targets attention module `module`, as in llm-compressor's examples/quantization_attention)
    /// adds beside the KV cache's: `q_scale`, `[1]` per tensor or `[num_attention_heads, 1, 1]`
    /// per head, with a zero point of the same shape when asymmetric.
    public static func queryTensors(module: String, scheme: QuantizationArgs, config: ModelConfig?, floatDType: DType?) -> [StoredTensor] {
        let shape = shape(scheme, heads: config?.json["num_attention_heads"]?.integerValue)
        return [StoredTensor(name: module + ".q_scale", dtype: floatDType, shape: shape),
                StoredTensor(name: module + ".q_zero_point", dtype: scheme.zeroPointDType, shape: shape, optional: scheme.symmetric)]
    }

    /// `[1]` per tensor, `[heads, 1, 1]` per head (nil when the head count is unknown).
    private static func shape(_ scheme: QuantizationArgs, heads: Int64?) -> [Int]? {
        switch scheme.strategy {
        case .tensor: return [1]
        case .attnHead: return heads.map { [Int($0), 1, 1] }
        default: return nil
        }
    }
}
