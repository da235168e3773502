import Checkpoint

/// The compressed-tensors weights of a checkpoint, dequantized to f32 by the decoders the
/// runtime's compressed layers use (FP8 with tensor, channel or block scales; int8 and packed
/// 1–8-bit integers, with zero points; NVFP4; MXFP4; MXFP8): for tools that compare a
/// compressed checkpoint with the model it came from.
public struct CompressedWeightReader {
    private let store: WeightStore

    public init(checkpoint: Checkpoint) {
        store = WeightStore(checkpoint: checkpoint, tensors: Dictionary(checkpoint.tensors.map { ($0.name, $0) }) { first, _ in first })
    }

    /// The compressed weight of `module`, a `rows × columns` Linear weight, with its tensors'
    /// shapes checked. `bits` (the config group's `weights.num_bits`) is needed for packed
    /// integers; `block` (`[rows, columns]` under one scale: `block_structure`, or `[1, group_size]`)
    /// where the scale's shape alone is ambiguous.
    /// - Throws: `RuntimeError` for a missing or misshapen tensor or a format no decoder reads.
    public func weight(module: String, rows: Int, columns: Int, bits: Int?, block: [Int]?) throws(RuntimeError) -> DequantizedWeight {
        DequantizedWeight(decoder: try store.weightDecoder(module, rows: rows, columns: columns, bits: bits, block: block))
    }
}

/// One compressed weight, dequantized a block of rows at a time.
public struct DequantizedWeight: Sendable {
    let decoder: any WeightDecoder

    public var rows: Int { decoder.outputFeatures }
    public var columns: Int { decoder.inputFeatures }

    /// Writes rows `rows` of the dequantized weight, `rows.count × columns` values row-major, to `destination`.
    public func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        decoder.decode(rows: rows, into: destination)
    }
}
