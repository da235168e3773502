extension OneshotPlan {
    /// The largest weight magnitude over the fused group `members` (entry indices), the statistic
    /// fused siblings share (of their searched ranges with an MSE observer, `searchedGroupMaxima`,
    /// which are returned by entry index too): each weight as `replacements` leave it (values
    /// calibration changed), else read from the checkpoint once its shard is checked unchanged; an
    /// imatrix observer searches each with the importance of its inputs (`importance(entry)`). A
    /// NaN wins, as in `torch.amax`.
    func fusedAbsmax(_ members: [Int], replacements: [String: [Float]] = [:], threads: Int, allowNonFinite: Bool,
                     importance: (Int) -> [Float]? = { _ in nil }) throws(ModifierError) -> (absmax: Float, searched: [Int: [Float]]) {
        var m: Float = 0
        var searched: [Int: [Float]] = [:]
        for j in members {
            let context = QuantizationContext(allowNonFinite: allowNonFinite, importance: importance(j))
            let sibling = quantization.entries[j].tensor
            guard case let .quantize(group) = quantization.entries[j].action else { continue }
            let quantizer = weightQuantizer(group)
            let absmax: Float
            if let values = replacements[sibling.name] {
                searched[j] = try StoredValues.bytes(values, as: sibling.info.dtype).withTypedUnsafeBytes { (bytes) throws(ModifierError) in
                    try quantizer.searchedGroupMaxima(weight: sibling.info, data: bytes, threads: threads, context: context)
                }
                absmax = searched[j]?.max() ?? values.reduce(0) { max($0, abs($1)) }
            } else {
                let data: UnsafeRawBufferPointer
                do { data = try checkpoint.checkedData(sibling) } catch { throw .checkpoint(error) }
                searched[j] = try quantizer.searchedGroupMaxima(weight: sibling.info, data: data, threads: threads, context: context)
                if let maxima = searched[j] {
                    absmax = maxima.max() ?? 0
                } else {
                    absmax = try WeightAbsmax.of(sibling.info, data: data, threads: threads, allowNonFinite: allowNonFinite)
                }
            }
            m = m.isNaN || absmax.isNaN ? .nan : max(m, absmax)
        }
        return (m, searched)
    }
}
