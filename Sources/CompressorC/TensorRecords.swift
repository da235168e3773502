import LLMCompressor

/// Reads the caller's array of `llmc_tensor` records (see the header): six 8-byte fields each,
/// `name`, `dtype`, `shape`, `rank`, `data`, `byte_length`, read at their C offsets.
enum TensorRecords {
    static let stride = 48

    static func read(_ records: UnsafeRawPointer?, count: Int64) throws(CABIError) -> [MemoryTensor] {
        guard count >= 0, count <= Int64(Int.max / stride) else { throw .badOptions("oneshot_tensors: the tensor count \(count) is out of range") }
        guard count == 0 || records != nil else { throw .badOptions("oneshot_tensors: the tensors are a null pointer") }
        var tensors: [MemoryTensor] = []
        tensors.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            let record = records! + i * stride
            let name = record.load(fromByteOffset: 0, as: UnsafePointer<CChar>?.self)
            let dtype = record.load(fromByteOffset: 8, as: UnsafePointer<CChar>?.self)
            let shape = record.load(fromByteOffset: 16, as: UnsafePointer<Int64>?.self)
            let rank = record.load(fromByteOffset: 24, as: Int64.self)
            let data = record.load(fromByteOffset: 32, as: UnsafeRawPointer?.self)
            let length = record.load(fromByteOffset: 40, as: Int64.self)
            guard let name else { throw .badOptions("oneshot_tensors: tensor \(i) has a null name") }
            let label = String(cString: name)
            guard let dtype, let type = DType(rawValue: String(cString: dtype)) else {
                throw .badOptions("oneshot_tensors: tensor '\(label)' has \(dtype == nil ? "no dtype" : "the unknown dtype '\(String(cString: dtype!))'")")
            }
            guard rank >= 0, rank <= 64, rank == 0 || shape != nil else { throw .badOptions("oneshot_tensors: tensor '\(label)' has an invalid rank \(rank)") }
            guard length >= 0, length == 0 || data != nil else { throw .badOptions("oneshot_tensors: tensor '\(label)' has no data") }
            let dimensions = (0..<Int(rank)).map { Int(shape![$0]) }
            tensors.append(MemoryTensor(name: label, dtype: type, shape: dimensions, bytes: UnsafeRawBufferPointer(start: data, count: Int(length))))
        }
        return tensors
    }
}
