import ArgumentParser
import Runtime

/// `--dtype`, for the commands that run a model on the CPU: what its layers stored in bf16 multiply.
struct ComputeDTypeOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "What layers stored in bf16 multiply: float32 (every product in f32) or auto (inputs rounded to bf16, as PyTorch's bf16 Linear and llama.cpp's bf16 kernels do: about twice the speed of the products on CPUs with AVX512_BF16; logits move by about 1e-2 of the largest, perplexity by about 0.05%).",
        valueName: "float32|auto"))
    var dtype: ComputeDType = .float32
}

extension ComputeDType: ExpressibleByArgument {}
