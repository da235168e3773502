import Checkpoint

/// The compressed-tensors weights of a checkpoint, dequantized to f32 by the decoders of each
/// format (FP8 with tensor, channel or block scales; int8 and packed 1–8-bit integers, with zero
/// points; NVFP4; MXFP4; MXFP8): what the runtime's compressed layers multiply and what
/// `verify --against` compares with the original model.
public struct CompressedWeightReader: Sendable {
    let checkpoint: Checkpoint
    /// The checkpoint's tensors by the names modules are looked up with.
    let tensors: [String: Checkpoint.Tensor]

    /// Reads `checkpoint`'s tensors under their own names.
    public init(checkpoint: Checkpoint) {
        self.init(checkpoint: checkpoint, tensors: Dictionary(checkpoint.tensors.map { ($0.name, $0) }) { first, _ in first })
    }

    /// Reads `checkpoint`'s tensors under the names `tensors` gives them (a runtime's names for an
    /// architecture whose checkpoints name modules otherwise).
    public init(checkpoint: Checkpoint, tensors: [String: Checkpoint.Tensor]) {
        self.checkpoint = checkpoint
        self.tensors = tensors
    }

    /// The compressed weight of `module`, a `rows × columns` Linear weight, with its tensors'
    /// shapes checked. `bits` (the config group's `weights.num_bits`) is needed for packed
    /// integers; `block` (`[rows, columns]` under one scale: `block_structure`, or `[1, group_size]`)
    /// where the scale's shape alone is ambiguous.
    /// - Throws: a missing or misshapen tensor, invalid scales, or a storage no decoder reads.
    public func weight(module: String, rows: Int, columns: Int, bits: Int?, block: [Int]?) throws(CompressedTensorsError) -> DequantizedWeight {
        DequantizedWeight(decoder: try decoder(module: module, rows: rows, columns: columns, bits: bits, block: block))
    }

    /// The values of the float scale tensor `tensor` (BF16, F16 or F32), widened to f32.
    /// - Throws: `invalidTensor` unless every scale is positive and finite (``ScaleValues``): a
    ///   zero global scale would divide every weight scale into infinity.
    public func scales(_ tensor: Checkpoint.Tensor) throws(CompressedTensorsError) -> [Float] {
        try requireScales(tensor)
        guard [.bf16, .f16, .f32].contains(tensor.info.dtype) else {
            throw .unsupportedDType(tensor: tensor.name, dtype: tensor.info.dtype)
        }
        let count = tensor.info.elementCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            checkpoint.widen(tensor, elements: 0..<count, into: buffer.baseAddress!)
            initialized = count
        }
    }

    /// Refuses scales that are not all positive and finite, as `compress verify` does.
    func requireScales(_ tensor: Checkpoint.Tensor) throws(CompressedTensorsError) {
        if let problem = ScaleValues.problem(tensor, in: checkpoint) { throw .invalidTensor(tensor: tensor.name, reason: problem) }
    }
}

/// One compressed weight, dequantized a block of rows at a time.
public struct DequantizedWeight: Sendable {
    /// The format's decoder.
    public let decoder: any WeightDecoder

    public var rows: Int { decoder.outputFeatures }
    public var columns: Int { decoder.inputFeatures }

    /// Writes rows `rows` of the dequantized weight, `rows.count × columns` values row-major, to `destination`.
    public func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        decoder.decode(rows: rows, into: destination)
    }
}
