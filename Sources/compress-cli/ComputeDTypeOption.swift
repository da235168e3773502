import ArgumentParser
import Runtime

/// `--dtype`, for the commands that run a model on the CPU: what its layers stored in bf16 multiply.
struct ComputeDTypeOption: ParsableArguments {
    /// The choices, named as `--calibration-dtype` names them.
    enum ComputeDType: String, CaseIterable, ExpressibleByArgument {
        /// Every product in f32, bf16 weights widened exactly: the runtime's reference arithmetic.
        case float32
        /// The checkpoint's dtype: layers stored in bf16 multiply their inputs rounded to bf16 by their
        /// bf16 weights, summing in f32, as a bf16 model computes in PyTorch (and llama.cpp on a bf16 GGUF).
        case auto
    }

    @Option(help: ArgumentHelp(
        "What layers stored in bf16 multiply: float32 (every product in f32) or auto (inputs rounded to bf16, as PyTorch's bf16 Linear and llama.cpp's bf16 kernels do: about twice the speed of the products on CPUs with AVX512_BF16; logits move by about 1e-2 of the largest, perplexity by about 0.05%).",
        valueName: "float32|auto"))
    var dtype: ComputeDType = .float32

    /// The runtime's choice for the dense bf16 layers.
    var bf16Products: DenseLinear.Products { dtype == .auto ? .bfloat16 : .float32 }
}
