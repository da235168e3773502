/// What a model's linear layers stored in bf16 multiply, named as PyTorch's `torch_dtype` of the
/// model: the runtime's `--dtype` (eval, bench) and calibration's `--calibration-dtype`.
public enum ComputeDType: String, Sendable, CaseIterable {
    /// The checkpoint's dtype (`torch_dtype="auto"`, what llm-compressor's examples load): layers
    /// stored in bf16 multiply their inputs rounded to bf16 by their bf16 weights, summing in f32,
    /// as PyTorch's bf16 Linear (and llama.cpp on a bf16 GGUF) does; about twice as fast on CPUs
    /// with AVX512_BF16. Layers stored in f32 or f16 multiply in f32.
    case auto
    /// Every product in f32 (`torch_dtype=torch.float32`): inputs and weights as f32, bf16 weights
    /// widened exactly; results differ from `auto`'s within bf16 rounding.
    case float32

    /// The products of the dense layers stored in bf16, f32 ones at `precision`.
    public func bf16Products(at precision: MatmulPrecision = .highest) -> DenseLinear.Products {
        switch (self, precision) {
        case (.auto, _): .bfloat16
        case (.float32, .highest): .float32
        case (.float32, .high): .split
        }
    }
}
