/// torch dtype names as compressed-tensors accepts them for `scale_dtype` / `zp_dtype`
/// (`torch.NAME` or `NAME`) and writes them back (`str(dtype)`, which resolves aliases).
enum TorchDtypes {
    /// Canonical names (what `str(torch.NAME)` prints, without "torch.").
    static let canonical = [
        "float32", "float64", "float16", "bfloat16", "complex32", "complex64", "complex128",
        "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "bool",
        "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu",
        "float4_e2m1fn_x2", "quint8", "qint8", "qint32", "quint4x2", "quint2x4",
    ]

    /// Aliases torch defines as attributes of the module.
    static let aliases = [
        "float": "float32", "double": "float64", "half": "float16", "cfloat": "complex64",
        "cdouble": "complex128", "chalf": "complex32", "short": "int16", "int": "int32", "long": "int64",
    ]

    /// `torch.NAME` for a dtype written as `torch.NAME` or `NAME`, or nil when torch has no such dtype.
    static func normalize(_ text: String) -> String? {
        let name = text.hasPrefix("torch.") ? String(text.dropFirst("torch.".count)) : text
        if canonical.contains(name) { return "torch." + name }
        if let target = aliases[name] { return "torch." + target }
        return nil
    }

    /// Every name accepted, for suggestions.
    static var allNames: [String] { canonical.map { "torch." + $0 } }
}
