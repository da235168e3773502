// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// libFuzzer targets for the parsers that read untrusted files: safetensors headers, shard
/// indexes, recipes and tokenizers. Build and run them with `fuzz.sh` (it passes
/// `--sanitize=fuzzer --sanitize=address`); each executable defines `LLVMFuzzerTestOneInput`
/// and gets its `main` from libFuzzer.

/// A path dependency's identity is the name of its folder, whatever the clone is called.
let compressor = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent
let library: Target.Dependency = .product(name: "LLMCompressor", package: compressor)

let package = Package(
    name: "FuzzTesting",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "fuzz-safetensors-header", dependencies: [library]),
        .executableTarget(name: "fuzz-shard-index", dependencies: [library]),
        .executableTarget(name: "fuzz-recipe", dependencies: [library]),
        .executableTarget(name: "fuzz-tokenizer-json", dependencies: [library]),
        .executableTarget(name: "fuzz-tokenizer-encode", dependencies: [library]),
    ],
    swiftLanguageModes: [.v5]
)
