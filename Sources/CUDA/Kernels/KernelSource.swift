/// One CUDA C++ source of the backend's kernels (the `.cu` files beside this one, embedded in the
/// binary at build time), with the `extern "C"` functions it defines.
public struct KernelSource: Sendable {
    /// The file name, e.g. `rms_norm.cu`: how compiler messages and the cache name it.
    public let name: String
    /// The CUDA C++ text.
    public let text: String
    /// The kernels it defines, as launched by name.
    public let functions: [String]

    /// The headers every source may include, as (name, text).
    public static let headers: [(name: String, text: String)] = [("common.cuh", text(PackageResources.common_cuh))]

    /// Every kernel source of the backend.
    public static let all: [KernelSource] = [
        KernelSource(name: "rms_norm.cu", text: text(PackageResources.rms_norm_cu), functions: ["rms_norm_f32"]),
        KernelSource(name: "rotary.cu", text: text(PackageResources.rotary_cu), functions: ["rotary_f32"]),
        KernelSource(name: "activation_quantization.cu", text: text(PackageResources.activation_quantization_cu),
                     functions: ["quantize_fp8_per_token", "quantize_int8_per_token", "fake_quantize_fp8_per_token",
                                "fake_quantize_int8_per_token", "fake_quantize_fp8_static", "fake_quantize_int8_static"]),
        KernelSource(name: "packed_int_gemv.cu", text: text(PackageResources.packed_int_gemv_cu), functions: ["packed_int_gemv"]),
        KernelSource(name: "fp8_weight_gemv.cu", text: text(PackageResources.fp8_weight_gemv_cu), functions: ["fp8_weight_gemv"]),
        KernelSource(name: "int8_gemv.cu", text: text(PackageResources.int8_gemv_cu), functions: ["int8_gemv"]),
        KernelSource(name: "fp4_dequantization.cu", text: text(PackageResources.fp4_dequantization_cu),
                     functions: ["dequantize_nvfp4", "dequantize_mxfp4"]),
        KernelSource(name: "routing.cu", text: text(PackageResources.routing_cu), functions: ["softmax_top_k"]),
        KernelSource(name: "attention.cu", text: text(PackageResources.attention_cu), functions: ["attention_f32", "attention_fp8_cache"]),
        KernelSource(name: "elementwise.cu", text: text(PackageResources.elementwise_cu),
                     functions: ["add_f32", "gated_activation_f32", "copy_rows_f32", "add_bias_rows_f32"]),
    ]

    /// The options every source is compiled with, besides its architecture.
    public static let compileOptions = ["--std=c++17"]

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
