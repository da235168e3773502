import Checkpoint
import Runtime

extension SequentialPipeline {
    /// One SmoothQuant modifier on block `b`: channel ranges from a pass over copies of the hidden
    /// states, then the smoothed norms and balance weights, rounded to their dtypes.
    func smooth(_ step: SmoothQuant, block b: Int, entries: [QuantizationPlan.Entry], hidden: [[Float]],
               replacements: inout [String: [Float]]) throws(ModifierError) {
        let mappings = try step.resolve(block: entries, spec: model.spec)
        guard !mappings.isEmpty else { return }
        let tap = SiteTap(everyExpert: everyExpert)
        var ranges: [LayerSite: ChannelRange] = [:]
        var ordered: [ChannelRange] = []
        for mapping in mappings where ranges[mapping.site] == nil {
            let range = ChannelRange(width: mapping.norm.info.shape[0])
            ranges[mapping.site] = range
            ordered.append(range)
            tap.add(mapping.site, range.observe)
        }
        let block = try loadBlock(b, replacements)
        var copies = hidden
        try run(block, &copies, tap: tap)
        try ChannelRange.reduce(ordered, over: reducer)
        for mapping in mappings {
            let columns = mapping.norm.info.shape[0]
            var balance: [(values: [Float], rows: Int)] = []
            for tensor in mapping.balance { balance.append((try values(tensor.name, replacements), tensor.info.shape[0])) }
            let scales = step.scales(range: ranges[mapping.site]!, balance: balance, columns: columns)
            for (tensor, weight) in zip(mapping.balance, balance) {
                var scaled = weight.values
                for r in 0..<weight.rows { for c in 0..<columns { scaled[r * columns + c] *= scales[c] } }
                replacements[tensor.name] = StoredValues.rounded(scaled, to: tensor.info.dtype)
            }
            let offset = model.spec.normWeightOffset
            var norm = try values(mapping.norm.name, replacements)
            for c in 0..<columns { norm[c] = (norm[c] + offset) / scales[c] - offset }
            replacements[mapping.norm.name] = StoredValues.rounded(norm, to: mapping.norm.info.dtype)
        }
    }
}
