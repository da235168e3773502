/// Layers that inference engines load as one matrix (vLLM's `qkv_proj`, `gate_up_proj`) and so
/// must share tensor-wide quantization statistics, such as NVFP4's global scale: the
/// architecture's `fusedGroups`.
///
/// llm-compressor 0.14 links the weight observers of these layers (`fuse_weight_observers` in
/// `llmcompressor/observers/helpers.py`): within one parent module that has every layer of a name
/// group, the global scale of each comes from the largest magnitude over all of them. It refuses
/// a group where some layer is not quantized with the same tensor-group scheme, and so do we.
enum FusedLayers {
    /// The fused groups among `entries`, each as the indices of its members' weight entries, for
    /// groups whose quantizers share statistics (`sharesStatisticsAcrossFusedLayers`).
    /// - Throws: `unsupportedScheme` when a group mixes sharing layers with unquantized layers or
    ///   layers quantized otherwise.
    static func groups(entries: [QuantizationPlan.Entry], nameGroups: [[String]], groupNames: [String],
                       quantizers: [(any WeightQuantizer)?]) throws(ModifierError) -> [[Int]] {
        var weightEntry: [String: Int] = [:]
        var modules = Set<String>()
        for (i, entry) in entries.enumerated() {
            modules.insert(entry.module)
            if case .quantize = entry.action { weightEntry[entry.module] = i }
        }
        var result: [[Int]] = []
        var seen = Set<String>()
        for entry in entries {
            guard case let .quantize(group) = entry.action, quantizers[group]?.sharesStatisticsAcrossFusedLayers == true else { continue }
            let (parent, child) = QuantizationPlan.split(entry.module)
            for names in nameGroups where names.contains(child) {
                let members = names.map { parent.isEmpty ? $0 : parent + "." + $0 }
                guard members.allSatisfy(modules.contains), seen.insert(members[0]).inserted else { continue }
                var indices: [Int] = []
                for member in members {
                    guard let index = weightEntry[member], case let .quantize(g) = entries[index].action,
                          quantizers[g]?.sharesStatisticsAcrossFusedLayers == true else {
                        throw .unsupportedScheme(group: groupNames[group], reason: "'\(entry.module)' is fused with '\(member)' (\(names.joined(separator: "/"))), which must then be quantized with a tensor-group scheme too, so that they share one global scale")
                    }
                    indices.append(index)
                }
                result.append(indices)
            }
        }
        return result
    }
}
