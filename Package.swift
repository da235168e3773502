// swift-tools-version: 6.1
import PackageDescription

/// Our own targets are built with `-Ounchecked` in release: hot loops work on raw buffers whose
/// bounds are validated once, up front, by the checkpoint reader.
let optimized: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "swift-llm-compressor",
    products: [
        .executable(name: "compress", targets: ["compress-cli"]),
        .library(name: "LLMCompressor", targets: ["LLMCompressor"]),
        /// The C ABI (`Sources/CompressorC/include/llm_compressor.h`) that the Python package loads.
        .library(name: "LLMCompressorC", type: .dynamic, targets: ["CompressorC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CJSONC", pkgConfig: "json-c", providers: [.apt(["libjson-c-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Always compiled optimized: its SIMD loops rely on inlining and unrolling even in debug builds.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "JSON", dependencies: ["CJSONC"], swiftSettings: optimized),
        .target(name: "Checkpoint", dependencies: ["JSON"], swiftSettings: optimized),
        .target(name: "Architectures", dependencies: ["Checkpoint"], swiftSettings: optimized),
        .target(name: "Recipes", dependencies: ["JSON", "Yams"], swiftSettings: optimized),
        .target(name: "CompressedTensors", dependencies: ["JSON", "Checkpoint", "Recipes", "CKernels"], swiftSettings: optimized),
        .target(name: "Tokenizers", dependencies: ["JSON", "Checkpoint", "CZstd"], swiftSettings: optimized),
        /// The CUDA backend's host side: libraries loaded with dlopen (no CUDA toolkit to build), kernels compiled by NVRTC.
        .target(
            name: "CUDA", dependencies: ["Checkpoint"],
            resources: ["common.cuh", "rms_norm.cu", "rotary.cu", "activation_quantization.cu", "packed_int_gemv.cu",
                        "fp8_weight_gemv.cu", "int8_gemv.cu", "fp4_dequantization.cu", "routing.cu", "attention.cu",
                        "elementwise.cu"].map { .embedInCode("Kernels/" + $0) },
            swiftSettings: optimized),
        .target(name: "Runtime", dependencies: ["JSON", "Checkpoint", "Architectures", "Recipes", "CompressedTensors", "CKernels", "CUDA"], swiftSettings: optimized),
        .target(name: "Modifiers", dependencies: ["Checkpoint", "Architectures", "Recipes", "CompressedTensors", "Tokenizers", "Runtime", "CKernels", "COpenBLAS"], swiftSettings: optimized),
        .target(name: "Verification", dependencies: ["Checkpoint", "Architectures", "Recipes", "CompressedTensors", "Modifiers", "Runtime"], swiftSettings: optimized),
        .target(name: "LLMCompressor", dependencies: ["JSON", "Architectures", "Checkpoint", "Recipes", "CompressedTensors", "CUDA", "Tokenizers", "Modifiers", "Runtime", "Verification"], swiftSettings: optimized),
        .target(name: "CompressorC", dependencies: ["LLMCompressor"], exclude: ["include"], swiftSettings: optimized),
        .executableTarget(
            name: "compress-cli",
            dependencies: ["LLMCompressor", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimized),
        .target(name: "TestSupport", dependencies: ["JSON", "Checkpoint", "CZstd"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "TestSupport"]),
        .testTarget(name: "ArchitecturesTests", dependencies: ["Architectures", "Modifiers", "Runtime", "Verification", "TestSupport"]),
        .testTarget(name: "RecipesTests", dependencies: ["Recipes", "TestSupport"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "TestSupport"]),
        .testTarget(name: "CompressedTensorsTests", dependencies: ["CompressedTensors", "Modifiers", "Runtime", "Tokenizers", "Verification", "TestSupport"]),
        .testTarget(name: "ModifiersTests", dependencies: ["Modifiers", "CKernels", "Architectures", "CompressedTensors", "Tokenizers", "TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "CKernels", "Architectures", "CompressedTensors", "Modifiers", "Tokenizers", "TestSupport"]),
        .testTarget(name: "CUDATests", dependencies: ["CUDA", "Runtime"]),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "Modifiers", "TestSupport"]),
        .testTarget(name: "CompressorCTests", dependencies: ["CompressorC", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["compress-cli", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
