/// The observers llm-compressor 0.14 registers (`llmcompressor/observers/`) and the
/// `observer_kwargs` each of them reads; it ignores any other key, which we refuse as a typo.
public enum ObserverNames {
    public static let all = ["minmax", "static_minmax", "memoryless_minmax", "mse", "memoryless_mse",
                             "imatrix_mse", "nvfp4_expanded_mse", "fouroversix", "nvfp4_expanded_imatrix"]

    /// The keys of the MSE grid search (`mse.py`, `mse_quant.py`); `triton_error_buffer` only
    /// matters to its CUDA kernel.
    static let searchKeys = ["maxshrink", "patience", "grid", "norm", "triton_error_buffer", "expand"]

    /// The `observer_kwargs` keys the observer `name` (as registered) reads.
    public static func kwargs(of name: String) -> [String] {
        switch name {
        case "minmax": return ["averaging_constant"]
        case "mse": return ["averaging_constant"] + searchKeys
        case "memoryless_mse", "nvfp4_expanded_mse", "fouroversix": return searchKeys
        case "imatrix_mse", "nvfp4_expanded_imatrix": return ["maxshrink", "patience", "grid", "norm", "strict", "expand"]
        default: return []
        }
    }

    /// Every key some observer reads.
    static var anyKwarg: [String] {
        var keys: [String] = []
        for name in all { for key in kwargs(of: name) where !keys.contains(key) { keys.append(key) } }
        return keys
    }

    /// The registered spelling of `name`, compared as llm-compressor's registry does
    /// (case-insensitive, `_`, `-` and spaces equivalent), or nil when none is registered.
    public static func registered(_ name: String) -> String? {
        let standard = standardize(name)
        return all.first { standardize($0) == standard }
    }

    /// Whether `name` is registered.
    static func isKnown(_ name: String) -> Bool { registered(name) != nil }

    static func standardize(_ name: String) -> String {
        String(name.lowercased().map { $0 == "_" || $0 == " " ? "-" : $0 })
    }
}
