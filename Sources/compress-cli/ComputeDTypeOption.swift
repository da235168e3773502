import ArgumentParser
import Runtime

/// `--dtype` and `--matmul-precision`, for the commands that run a model on the CPU: what its layers
/// stored in bf16 multiply.
struct ComputeDTypeOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "What layers stored in bf16 multiply: float32 (f32 inputs, at --matmul-precision) or auto (inputs rounded to bf16, as PyTorch's bf16 Linear and llama.cpp's bf16 kernels do: about twice the speed of the products on CPUs with AVX512_BF16; logits move by about 1e-2 of the largest, perplexity by about 0.05%).",
        valueName: "float32|auto"))
    var dtype: ComputeDType = .float32

    @Option(help: ArgumentHelp(
        "With --dtype float32, as torch.set_float32_matmul_precision: highest (every product the f32 product, the reference) or high (products of 64 rows or more split each input into its bf16 rounding and an int8 remainder, on CPUs with AVX512_BF16, elsewhere as highest: about 1.25x the speed of the products, an error a few percent of bf16 rounding's; SmolLM2-135M's logits within 7e-4 of each row's largest).",
        valueName: "highest|high"))
    var matmulPrecision: MatmulPrecision = .high

    /// The products of the dense layers stored in bf16.
    var bf16Products: DenseLinear.Products { dtype.bf16Products(at: matmulPrecision) }

    /// Whether both options have their defaults.
    var isDefault: Bool { dtype == .float32 && matmulPrecision == .high }
}

extension ComputeDType: ExpressibleByArgument {}
extension MatmulPrecision: ExpressibleByArgument {}
