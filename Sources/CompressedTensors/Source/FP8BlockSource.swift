import CKernels
import Checkpoint
import JSON

/// An FP8 block checkpoint (`quant_method: fp8`, as DeepSeek-V3, Kimi-K2 and Qwen3 FP8 releases
/// ship): each quantized Linear stores an F8_E4M3 `weight` and a `weight_scale_inv` (F32, BF16
/// or F16) of `[⌈rows/b₀⌉, ⌈columns/b₁⌉]`, one per `weight_block_size` tile, edge tiles partial.
/// The weight is `bf16(f32(code) · f32(scale))`, as compressed-tensors' `FP8BlockDequantizer`
/// computes it.
struct FP8BlockSource {
    static let quantMethod = "fp8"
    static let scaleSuffix = "weight_scale_inv"
    let blockRows: Int
    let blockColumns: Int

    /// Reads the `quantization_config` of `file`: `fmt` e4m3, `weight_block_size` of two
    /// positive sizes, `activation_scheme` dynamic (static input scales are not read).
    init(json: JSONValue, file: String) throws(CompressedTensorsError) {
        if let format = json["fmt"]?.stringValue, format != "e4m3" {
            throw .unsupportedSource(file: file, reason: "fp8 fmt '\(format)': only e4m3 weights can be read")
        }
        if let scheme = json["activation_scheme"]?.stringValue, scheme != "dynamic" {
            throw .unsupportedSource(file: file, reason: "fp8 activation_scheme '\(scheme)': only dynamic checkpoints (no input scales) can be read")
        }
        guard let block = json["weight_block_size"]?.arrayValue?.compactMap({ $0.integerValue }), block.count == 2,
              block.allSatisfy({ $0 > 0 && $0 <= Int64(TensorInfo.largestDimension) }) else {
            throw .unsupportedSource(file: file, reason: "fp8 needs a weight_block_size of two positive sizes (per-tensor FP8 checkpoints cannot be read)")
        }
        blockRows = Int(block[0])
        blockColumns = Int(block[1])
    }

    /// The checkpoint's tensors with every F8_E4M3 `weight` dequantized and its
    /// `weight_scale_inv` dropped.
    func entries(of checkpoint: Checkpoint) throws(CompressedTensorsError) -> [DerivedTensor.Entry] {
        var entries: [DerivedTensor.Entry] = []
        for tensor in checkpoint.tensors {
            if tensor.name.hasSuffix("." + Self.scaleSuffix) {
                let module = String(tensor.name.dropLast(Self.scaleSuffix.count + 1))
                guard let weight = checkpoint.tensor(named: module + ".weight"), weight.info.dtype == .f8e4m3 else {
                    throw .unsupportedFormat(module: module, reason: "'\(tensor.name)' scales no F8_E4M3 weight")
                }
                continue
            }
            guard tensor.info.dtype == .f8e4m3 else {
                entries.append(.stored(tensor))
                continue
            }
            guard tensor.name.hasSuffix(".weight"), tensor.info.shape.count == 2, tensor.info.elementCount > 0 else {
                throw .unsupportedFormat(module: tensor.name, reason: "F8_E4M3 tensor \(tensor.info.shape) is not the non-empty 2-D weight of a Linear layer")
            }
            entries.append(.derived(try dequantized(tensor, module: String(tensor.name.dropLast(".weight".count)), checkpoint: checkpoint)))
        }
        return entries
    }

    /// The BF16 weight of `weight` and its `weight_scale_inv`, whose shape and values are checked here.
    private func dequantized(_ weight: Checkpoint.Tensor, module: String, checkpoint: Checkpoint) throws(CompressedTensorsError) -> DerivedTensor {
        let name = module + "." + Self.scaleSuffix
        guard let scale = checkpoint.tensor(named: name) else { throw .missingTensor(name) }
        let rows = weight.info.shape[0], columns = weight.info.shape[1]
        let width = (columns + blockColumns - 1) / blockColumns
        let expected = [(rows + blockRows - 1) / blockRows, width]
        guard scale.info.shape == expected else { throw .tensorShape(tensor: name, expected: expected, actual: scale.info.shape) }
        // Checked here, read again when the weight is: a run over a large model holds no scales meanwhile.
        _ = try CompressedWeightReader(checkpoint: checkpoint).scales(scale)
        checkpoint.release(scale)
        let blockRows = blockRows, blockColumns = blockColumns
        return DerivedTensor(name: weight.name, dtype: .bf16, shape: weight.info.shape, sources: [weight, scale]) { out, threads in
            let codes = checkpoint.data(weight).baseAddress!.assumingMemoryBound(to: UInt8.self)
            let values = out.bindMemory(to: UInt16.self).baseAddress!
            let scales = UnsafeMutableBufferPointer<Float>.allocate(capacity: scale.info.elementCount)
            defer { scales.deallocate() }
            checkpoint.widen(scale, elements: 0..<scales.count, into: scales.baseAddress!)
            // A row at a time through the CKernels kernel (SIMD, the same bits on every path).
            DerivedTensor.inParallel(rows: rows, threads: threads) { range in
                for r in range {
                    ck_fp8_block_row_bf16(columns, codes + r * columns, scales.baseAddress! + (r / blockRows) * width, blockColumns,
                                          values + r * columns)
                }
            }
        }
    }
}
