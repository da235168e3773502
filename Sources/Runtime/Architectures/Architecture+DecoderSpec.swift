import Architectures
import Checkpoint
import Foundation

extension Architecture {
    /// The forward pass of this family for config.json's bytes `data` (read from `file`): the keys
    /// every decoder shares, plus those the family's conventions and layout call for (Qwen's
    /// sliding-window switches, Gemma-2's soft-capping, the mixture of experts). `num_hidden_layers`
    /// is checked against the checkpoint's `tensorNames` before anything is allocated per layer.
    func spec<Names: Sequence<String>>(configuration data: Data, file: String, tensorNames: Names) throws(RuntimeError) -> DecoderSpec {
        var base = try JSONDecoder.configuration(TransformerConfiguration.self, from: data, file: file)
        let switches = conventions.slidingWindows == .fromMaxWindowLayers
            ? try JSONDecoder.configuration(SlidingWindowSwitches.self, from: data, file: file) : nil
        let softCapping = conventions.softCapping ? try JSONDecoder.configuration(SoftCappingConfiguration.self, from: data, file: file) : nil
        let mixture = layout.mixture != nil ? try JSONDecoder.configuration(MixtureConfiguration.self, from: data, file: file) : nil
        try base.checkLayers(against: tensorNames, blocks: layout.blocks, file: file)

        if case let .evenLayers(defaultWindow) = conventions.slidingWindows { base.slidingWindow = base.slidingWindow ?? defaultWindow }
        var spec = DecoderSpec(base, architecture: self)
        spec.activation = try Activation(configName: base.hiddenActivation ?? conventions.defaultActivation)
        if conventions.scalesEmbeddings { spec.embeddingScale = Float(Double(base.hiddenSize).squareRoot()) }
        switch conventions.slidingWindows {
        case .none: break
        case .everyLayer: spec.slidingWindows = base.slidingWindows { _ in true }
        case .fromMaxWindowLayers: if let switches { spec.slidingWindows = switches.slidingWindows(base) }
        case .evenLayers: spec.slidingWindows = base.slidingWindows { $0 % 2 == 0 }
        }
        if let softCapping {
            spec.attentionScale = 1 / (softCapping.queryPreAttentionScalar ?? Float(base.headDim)).squareRoot()
            spec.attentionSoftcap = softCapping.attentionSoftcap
            spec.finalLogitSoftcap = softCapping.finalLogitSoftcap
        }
        if let declared = layout.mixture, let mixture {
            spec.mixture = MixtureSpec(
                expertCount: mixture.expertCount, expertsPerToken: mixture.expertsPerToken,
                expertIntermediateSize: mixture.expertIntermediateSize ?? base.intermediateSize,
                sharedExpertIntermediateSize: declared.sharedExpert == nil ? nil : mixture.sharedExpertIntermediateSize,
                normalizeTopK: mixture.normalizeTopK ?? declared.normalizesTopKByDefault,
                sparseLayers: declared.configuredSparseLayers
                    ? mixture.sparseLayers(layerCount: base.layerCount) : Array(repeating: true, count: base.layerCount))
        }
        try spec.checkSlidingWindows(file: file)
        return spec
    }
}
