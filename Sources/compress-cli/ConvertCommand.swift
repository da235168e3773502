import ArgumentParser
import Foundation
import LLMCompressor

/// `compress convert --dequantize`: write a quantized checkpoint back as its BF16 model.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a quantized checkpoint (FP8 block or compressed-tensors) back as its BF16 model (--dequantize).",
        discussion: """
            Reads INPUT, a checkpoint whose config.json has a quantization_config: FP8 block (quant_method fp8, an F8_E4M3 weight and a weight_scale_inv per Linear, as DeepSeek-V3 ships) or compressed-tensors (any format oneshot writes). Writes OUTPUT with every quantized weight dequantized to BF16 exactly as compressed-tensors' FP8BlockDequantizer and CompressedTensorsDequantizer compute it, the scales and other quantization parameters dropped, and config.json without its quantization_config; every other tensor and file (pickled weights aside) is copied. Streams one tensor at a time.

            OUTPUT must not exist or be empty; it is written to a hidden folder and renamed into place when complete.

            Example:
              compress convert --dequantize ./DeepSeek-V3 ./DeepSeek-V3-BF16
            """)

    @Flag(help: "Dequantize every quantized weight to BF16 (the only conversion so far).")
    var dequantize = false

    @Argument(help: "The quantized model folder.", completion: .directory)
    var input: String

    @Argument(help: "The folder to write. Must not exist, or be empty; never one holding the input.", completion: .directory)
    var output: String

    @Option(help: "Largest shard to write, such as 5GB, 500MB or 2GiB.")
    var maxShardSize: String = "5GB"

    @OptionGroup var cores: ThreadsOption

    func validate() throws {
        guard dequantize else { throw ValidationError("convert needs --dequantize, the only conversion so far") }
        guard ByteSize.parse(maxShardSize) != nil else {
            throw ValidationError("--max-shard-size '\(maxShardSize)' is not a size like 5GB, 500MB or 2GiB")
        }
    }

    func run() throws {
        InterruptCleanup.protect(UnfinishedOutput(destination: output))
        signal(SIGXFSZ, SIG_IGN)
        let start = Date()
        let summary: Dequantization.Summary
        do {
            summary = try Dequantization.run(model: input, output: output, maxShardBytes: ByteSize.parse(maxShardSize)!, threads: cores.count)
        } catch { throw fail(error) }
        print("wrote \(summary.output): \(summary.tensorsDequantized) tensors dequantized to BF16, \(summary.tensorsCopied) copied, \(summary.shards) shard(s), \(summary.filesCopied.count) other files copied")
        print("\(Formatting.bytes(summary.bytesOut)) in \(Formatting.duration(Date().timeIntervalSince(start)))")
    }
}
