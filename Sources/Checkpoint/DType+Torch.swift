extension DType {
    /// The safetensors dtype of a torch dtype written `torch.NAME` (its canonical name, as
    /// compressed-tensors stores `scale_dtype` and `zp_dtype`), or nil for dtypes safetensors cannot hold.
    public init?(torchName name: String) {
        let table: [String: DType] = [
            "torch.float32": .f32, "torch.float64": .f64, "torch.float16": .f16, "torch.bfloat16": .bf16,
            "torch.uint8": .u8, "torch.uint16": .u16, "torch.uint32": .u32, "torch.uint64": .u64,
            "torch.int8": .i8, "torch.int16": .i16, "torch.int32": .i32, "torch.int64": .i64, "torch.bool": .bool,
            "torch.float8_e4m3fn": .f8e4m3, "torch.float8_e5m2": .f8e5m2, "torch.float8_e8m0fnu": .f8e8m0,
        ]
        guard let dtype = table[name] else { return nil }
        self = dtype
    }
}
