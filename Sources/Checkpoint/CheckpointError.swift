/// Everything that can be wrong with a checkpoint on disk, or with writing one. Each case names the
/// file, and where it applies the tensor and the offending value, so that one line tells a user
/// what to fix.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notADirectory(path: String)
    case noWeights(directory: String)
    case fileTooSmall(file: String, size: Int)
    case headerTooLarge(file: String, length: UInt64, limit: Int)
    case headerBeyondFile(file: String, length: UInt64, fileSize: Int)
    case invalidHeader(file: String, reason: String)
    case invalidMetadata(file: String, reason: String)
    case invalidTensorEntry(file: String, tensor: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case shapeOverflow(file: String, tensor: String, shape: [Int64])
    case partialBytes(file: String, tensor: String, dtype: String, shape: [Int64])
    case byteSizeMismatch(file: String, tensor: String, expected: Int, actual: Int)
    case overlappingTensors(file: String, tensor: String, other: String)
    case holeBeforeTensor(file: String, tensor: String, offset: Int, expected: Int)
    case dataLengthMismatch(file: String, expected: Int, actual: Int)
    case duplicateTensor(file: String, tensor: String)
    case invalidIndex(file: String, reason: String)
    case shardOutsideFolder(index: String, shard: String)
    case fileOutsideFolder(path: String, target: String)
    case missingShard(index: String, shard: String)
    case tensorNotInShard(index: String, tensor: String, shard: String)
    case tensorNotInIndex(file: String, tensor: String)
    case invalidConfig(file: String, reason: String)
    case inputChanged(file: String, reason: String)
    case outputFailed(path: String, reason: String)
    case writeOrderViolated(tensor: String, reason: String)
    case hubCache(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(p, r): return "\(p): cannot open: \(r)"
        case let .notADirectory(p): return "\(p): not a directory"
        case let .noWeights(d): return "\(d): no model.safetensors, index or *.safetensors shard found"
        case let .fileTooSmall(f, s): return "\(f): \(s) bytes is too short for a safetensors file (at least 8 bytes of header length)"
        case let .headerTooLarge(f, l, limit): return "\(f): header length \(l) exceeds the limit of \(limit) bytes"
        case let .headerBeyondFile(f, l, s): return "\(f): header length \(l) runs past the end of the \(s)-byte file"
        case let .invalidHeader(f, r): return "\(f): invalid header: \(r)"
        case let .invalidMetadata(f, r): return "\(f): invalid __metadata__: \(r)"
        case let .invalidTensorEntry(f, t, r): return "\(f): tensor '\(t)': \(r)"
        case let .unknownDType(f, t, d): return "\(f): tensor '\(t)': unknown dtype '\(d)'"
        case let .shapeOverflow(f, t, s): return "\(f): tensor '\(t)': shape \(s) overflows the element count"
        case let .partialBytes(f, t, d, s): return "\(f): tensor '\(t)': \(s) elements of \(d) do not fill whole bytes"
        case let .byteSizeMismatch(f, t, e, a): return "\(f): tensor '\(t)': shape and dtype need \(e) bytes but data_offsets span \(a)"
        case let .overlappingTensors(f, t, o): return "\(f): tensor '\(t)' overlaps tensor '\(o)'"
        case let .holeBeforeTensor(f, t, o, e): return "\(f): tensor '\(t)' starts at offset \(o), leaving a hole after offset \(e)"
        case let .dataLengthMismatch(f, e, a): return "\(f): tensors end at data offset \(e) but the file holds \(a) data bytes"
        case let .duplicateTensor(f, t): return "\(f): tensor '\(t)' appears twice"
        case let .invalidIndex(f, r): return "\(f): invalid index: \(r)"
        case let .shardOutsideFolder(i, s): return "\(i): shard '\(s)' lies outside the model folder"
        case let .fileOutsideFolder(p, t): return "\(p): links to \(t), outside the model folder; refused"
        case let .missingShard(i, s): return "\(i): shard '\(s)' does not exist"
        case let .tensorNotInShard(i, t, s): return "\(i): tensor '\(t)' is mapped to shard '\(s)', which does not contain it"
        case let .tensorNotInIndex(f, t): return "\(f): tensor '\(t)' is not in the index weight_map"
        case let .invalidConfig(f, r): return "\(f): \(r)"
        case let .inputChanged(f, r): return "\(f): \(r); the input must not change during a run"
        case let .outputFailed(p, r): return "\(p): \(r)"
        case let .writeOrderViolated(t, r): return "internal error writing tensor '\(t)': \(r)"
        case let .hubCache(p, r): return "\(p): \(r)"
        }
    }
}
