extension OneshotPlan {
    /// The largest weight magnitude over the fused group `members` (entry indices), the statistic
    /// fused siblings share (of their searched ranges with an MSE observer, `searchedGroupMaxima`,
    /// which are returned by entry index too): each weight as `replacements` leave it (values
    /// calibration changed), else read from the checkpoint once its shard is checked unchanged. A
    /// NaN wins, as in `torch.amax`.
    func fusedAbsmax(_ members: [Int], replacements: [String: [Float]] = [:], threads: Int,
                     allowNonFinite: Bool) throws(ModifierError) -> (absmax: Float, searched: [Int: [Float]]) {
        var m: Float = 0
        var searched: [Int: [Float]] = [:]
        for j in members {
            let sibling = quantization.entries[j].tensor
            guard case let .quantize(group) = quantization.entries[j].action else { continue }
            let quantizer = quantizers[group]
            let absmax: Float
            if let values = replacements[sibling.name] {
                searched[j] = try StoredValues.bytes(values, as: sibling.info.dtype).withTypedUnsafeBytes { (bytes) throws(ModifierError) in
                    try quantizer.searchedGroupMaxima(weight: sibling.info, data: bytes, threads: threads, allowNonFinite: allowNonFinite)
                }
                absmax = searched[j]?.max() ?? values.reduce(0) { max($0, abs($1)) }
            } else {
                let data: UnsafeRawBufferPointer
                do { data = try checkpoint.checkedData(sibling) } catch { throw .checkpoint(error) }
                searched[j] = try quantizer.searchedGroupMaxima(weight: sibling.info, data: data, threads: threads, allowNonFinite: allowNonFinite)
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
