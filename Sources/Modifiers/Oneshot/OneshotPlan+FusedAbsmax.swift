extension OneshotPlan {
    /// The largest weight magnitude over the fused group `members` (entry indices), the statistic
    /// fused siblings share (of their searched ranges with an MSE observer, `fusedStatistic`): each
    /// weight as `replacements` leave it (values calibration changed), else read from the checkpoint
    /// once its shard is checked unchanged. A NaN wins, as in `torch.amax`.
    func fusedAbsmax(_ members: [Int], replacements: [String: [Float]] = [:], threads: Int, allowNonFinite: Bool) throws(ModifierError) -> Float {
        var m: Float = 0
        for j in members {
            let sibling = quantization.entries[j].tensor
            guard case let .quantize(group) = quantization.entries[j].action else { continue }
            let quantizer = quantizers[group]
            let absmax: Float
            if let values = replacements[sibling.name] {
                let searched = try StoredValues.bytes(values, as: sibling.info.dtype).withTypedUnsafeBytes { (bytes) throws(ModifierError) in
                    try quantizer.fusedStatistic(weight: sibling.info, data: bytes, threads: threads, allowNonFinite: allowNonFinite)
                }
                absmax = searched ?? values.reduce(0) { max($0, abs($1)) }
            } else {
                let data: UnsafeRawBufferPointer
                do { data = try checkpoint.checkedData(sibling) } catch { throw .checkpoint(error) }
                if let searched = try quantizer.fusedStatistic(weight: sibling.info, data: data, threads: threads, allowNonFinite: allowNonFinite) {
                    absmax = searched
                } else {
                    absmax = try WeightAbsmax.of(sibling.info, data: data, threads: threads, allowNonFinite: allowNonFinite)
                }
            }
            m = m.isNaN || absmax.isNaN ? .nan : max(m, absmax)
        }
        return m
    }
}
