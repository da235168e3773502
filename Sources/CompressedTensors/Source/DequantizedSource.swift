import Checkpoint
import JSON

/// A quantized checkpoint read as its dequantized model: what `oneshot` (data-free or calibrated)
/// and `convert --dequantize` read when config.json has a `quantization_config`. Each quantized
/// weight becomes a BF16 `weight` computed from its stored codes and scales when it is read (and
/// freed when released), exactly as compressed-tensors 0.19's `FP8BlockDequantizer` and
/// `CompressedTensorsDequantizer` compute it; the source format's scales and other quantization
/// parameters are dropped, and the config loses its `quantization_config`.
public enum DequantizedSource {
    /// `checkpoint` dequantized when it is an FP8 block checkpoint (`quant_method: fp8`), which
    /// the runtime has no layers for, else `checkpoint` itself (compressed-tensors checkpoints run
    /// compressed).
    /// - Throws: as ``open(_:)``.
    public static func openFP8Blocks(_ checkpoint: Checkpoint) throws(CompressedTensorsError) -> Checkpoint {
        guard checkpoint.config?.json["quantization_config"]?["quant_method"]?.stringValue == FP8BlockSource.quantMethod else { return checkpoint }
        return try open(checkpoint)
    }

    /// `checkpoint` dequantized, or `checkpoint` itself when its config has no `quantization_config`.
    /// - Throws: a quantization method or format no reader here handles, or stored tensors that
    ///   do not form one (a missing or misshapen scale, a scale that is not positive and finite),
    ///   naming the tensor.
    public static func open(_ checkpoint: Checkpoint) throws(CompressedTensorsError) -> Checkpoint {
        guard var config = checkpoint.config, let quantization = config.json["quantization_config"] else { return checkpoint }
        let file = checkpoint.directory + "/" + ModelConfig.fileName
        let entries: [DerivedTensor.Entry]
        switch quantization["quant_method"]?.stringValue {
        case FP8BlockSource.quantMethod:
            entries = try FP8BlockSource(json: quantization, file: file).entries(of: checkpoint)
        case CompressedTensorsConfig.quantMethod:
            let source = CompressedSource(config: try CompressedTensorsConfig(json: quantization, file: file), file: file)
            entries = try source.entries(of: checkpoint)
        case let method:
            throw .unsupportedSource(file: file, reason: "quant_method \(method.map { "'\($0)'" } ?? "missing"): only 'fp8' (block scales) and 'compressed-tensors' checkpoints can be read as input")
        }
        config.json["quantization_config"] = nil
        do {
            return try Checkpoint(deriving: checkpoint, config: config, tensors: entries)
        } catch {
            throw .unsupportedSource(file: file, reason: error.description)
        }
    }
}
