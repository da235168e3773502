import Checkpoint

/// A compressed-tensors checkpoint (ours or llm-compressor's, in any format this package writes)
/// read as its dequantized model: each module stored compressed (`weight_packed`, or an I8 or
/// F8_E4M3 `weight`) becomes a BF16 `weight` as compressed-tensors' `CompressedTensorsDequantizer`
/// computes it: `(code − zero point) · scale` in the scale's dtype (F32 for NVFP4, whose scale is
/// divided by its global scale; BF16 for MX scales), then rounded to BF16. Every quantization
/// parameter (`weight_scale`, `weight_zero_point`, `weight_global_scale`, `weight_shape`, input and
/// output scales, `k_scale`/`v_scale`) is dropped.
struct CompressedSource {
    let config: CompressedTensorsConfig
    let file: String

    /// The parameters compressed-tensors registers for quantization (`QuantizationMetadata.all_qparam_names`).
    static let quantizationParameters: Set<String> = Set(["k_scale", "v_scale", "q_scale"]
        + ["input", "weight", "output"].flatMap { base in ["global_scale", "scale", "shape", "zero_point"].map { base + "_" + $0 } })

    /// The checkpoint's tensors with every compressed weight dequantized; each module's tensors
    /// (shapes, scales, zero points) are checked here, its codes read only when it is.
    func entries(of checkpoint: Checkpoint) throws(CompressedTensorsError) -> [DerivedTensor.Entry] {
        let assignment = ConfigGroupAssignment(config: config, file: file)
        let reader = CompressedWeightReader(checkpoint: checkpoint)
        var entries: [DerivedTensor.Entry] = []
        for tensor in checkpoint.tensors {
            guard let dot = tensor.name.lastIndex(of: ".") else {
                entries.append(.stored(tensor))
                continue
            }
            let module = String(tensor.name[..<dot]), parameter = String(tensor.name[tensor.name.index(after: dot)...])
            let compressed = parameter == "weight_packed" || (parameter == "weight" && [.i8, .f8e4m3].contains(tensor.info.dtype))
            if Self.quantizationParameters.contains(parameter) { continue }
            guard compressed else {
                entries.append(.stored(tensor))
                continue
            }
            guard let match = try assignment.group(ofModule: module, className: "Linear") else {
                throw .unsupportedFormat(module: module, reason: "'\(tensor.name)' is stored compressed but no config group of the quantization_config quantizes it")
            }
            let weights = config.configGroups[match.group].scheme.weights
            let shape = try weightShape(module: module, stored: tensor, checkpoint: checkpoint)
            let bits = weights?.numBits, block = weights?.scaleBlock
            _ = try reader.checked(module: module, rows: shape[0], columns: shape[1], bits: bits, block: block)
            let derived = dequantized(module: module, shape: shape, bits: bits, block: block, checkpoint: checkpoint)
            for source in derived.sources { checkpoint.release(source) }
            entries.append(.derived(derived))
        }
        return entries
    }

    /// `[rows, columns]` of module `module`'s weight: `weight_shape` for packed integers, the
    /// stored weight's shape, or twice its columns for FP4 pairs.
    private func weightShape(module: String, stored: Checkpoint.Tensor, checkpoint: Checkpoint) throws(CompressedTensorsError) -> [Int] {
        guard stored.info.shape.count == 2 else {
            throw .unsupportedFormat(module: module, reason: "'\(stored.name)' \(stored.info.shape) is not 2-D")
        }
        guard stored.name.hasSuffix(".weight_packed") else { return stored.info.shape }
        if stored.info.dtype == .u8 { return [stored.info.shape[0], 2 * stored.info.shape[1]] }
        let name = module + ".weight_shape"
        guard let shape = checkpoint.tensor(named: name) else { throw .missingTensor(name) }
        guard let values = checkpoint.integers(shape), values.count == 2, values.allSatisfy({ $0 > 0 && $0 <= TensorInfo.largestDimension }) else {
            throw .tensorShape(tensor: name, expected: [2], actual: shape.info.shape)
        }
        return values
    }

    /// The BF16 weight of `module`, decoded a block of rows at a time and rounded through the
    /// dtype compressed-tensors computes in.
    private func dequantized(module: String, shape: [Int], bits: Int?, block: [Int]?, checkpoint: Checkpoint) -> DerivedTensor {
        let roundsThroughHalf = checkpoint.tensor(named: module + ".weight_scale")?.info.dtype == .f16
        let sources = ["weight", "weight_packed", "weight_scale", "weight_zero_point", "weight_global_scale", "weight_shape"]
            .compactMap { checkpoint.tensor(named: module + "." + $0) }
        return DerivedTensor(name: module + ".weight", dtype: .bf16, shape: shape, sources: sources) { out, threads in
            let columns = shape[1]
            let values = out.bindMemory(to: UInt16.self).baseAddress!
            // Checked when the source was opened; a shard that changed since is refused before it is read.
            guard let weight = try? CompressedWeightReader(checkpoint: checkpoint)
                .weight(module: module, rows: shape[0], columns: columns, bits: bits, block: block) else {
                values.initialize(repeating: 0x7FC0, count: shape[0] * columns)
                return
            }
            DerivedTensor.inParallel(rows: shape[0], threads: threads) { range in
                let count = range.count * columns
                let floats = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
                defer { floats.deallocate() }
                weight.decode(rows: range, into: floats.baseAddress!)
                if roundsThroughHalf { for i in floats.indices { floats[i] = F16.float(F16.bits(floats[i])) } }
                BF16.bits(UnsafeBufferPointer(floats), into: UnsafeMutableBufferPointer(start: values + range.lowerBound * columns, count: count))
            }
        }
    }
}
