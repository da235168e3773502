import Architectures
import Checkpoint
import Foundation

extension Architecture {
    /// The forward pass of this family for config.json's bytes `data` (read from `file`): the keys
    /// every decoder shares, plus those the family's conventions and layout call for (Qwen's
    /// sliding-window switches, Gemma-2's soft-capping, the mixture of experts, DeepSeek's latent
    /// attention, GLM's `use_qk_norm`). `num_hidden_layers` (and `num_nextn_predict_layers`) is
    /// checked against the checkpoint's `tensorNames` before anything is allocated per layer.
    func spec<Names: Sequence<String>>(configuration data: Data, file: String, tensorNames: Names) throws(RuntimeError) -> DecoderSpec {
        var base = try JSONDecoder.configuration(TransformerConfiguration.self, from: data, file: file)
        let switches = conventions.slidingWindows == .fromMaxWindowLayers
            ? try JSONDecoder.configuration(SlidingWindowSwitches.self, from: data, file: file) : nil
        let softCapping = conventions.softCapping ? try JSONDecoder.configuration(SoftCappingConfiguration.self, from: data, file: file) : nil
        let mixture = layout.mixture != nil ? try JSONDecoder.configuration(MixtureConfiguration.self, from: data, file: file) : nil
        let latent = layout.attention.latent != nil
            ? try JSONDecoder.configuration(LatentAttentionConfiguration.self, from: data, file: file) : nil
        let keys = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let predictionLayers = layout.hasPredictionLayers ? Swift.max(0, keys["num_nextn_predict_layers"] as? Int ?? 0) : 0
        try base.checkLayers(against: tensorNames, blocks: layout.blocks, predictionLayers: predictionLayers, file: file)

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
        if !conventions.outputBiasFollowsAttentionBias { spec.outputBias = false }
        if let name = layout.attention.queryKeyNormSwitch {
            spec.queryKeyNorms = keys[name] as? Bool ?? false
        }
        if let declared = layout.mixture, let mixture {
            let expertWidth = mixture.expertIntermediateSize ?? base.intermediateSize
            spec.mixture = MixtureSpec(
                expertCount: mixture.expertCount, expertsPerToken: mixture.expertsPerToken,
                expertIntermediateSize: expertWidth,
                sharedExpertIntermediateSize: declared.sharedExpert == nil
                    ? nil : mixture.sharedExpertIntermediateSize ?? mixture.sharedExpertCount.map { $0 * expertWidth },
                normalizeTopK: mixture.normalizeTopK ?? declared.normalizesTopKByDefault,
                routing: declared.routing == .softmax ? .softmax : .groupLimitedSigmoid(
                    groups: mixture.groupCount, groupsPerToken: mixture.groupsPerToken, scale: mixture.routedScalingFactor),
                sparseLayers: mixture.sparseLayers(layerCount: base.layerCount, rule: declared.sparseLayers))
        }
        if let latent {
            // Each head's slot in the KV cache holds a key and a value, padded to the wider of the two.
            spec.keyValueHeadCount = spec.headCount
            spec.headDim = Swift.max(latent.queryKeyHeadDim, latent.valueHeadDim)
            spec.attentionScale = Float(latent.attentionScale)
            spec.latentAttention = LatentAttentionSpec(
                queryRank: latent.queryRank, keyValueRank: latent.keyValueRank, unrotatedHeadDim: latent.unrotatedHeadDim,
                rotatedHeadDim: latent.rotatedHeadDim, valueHeadDim: latent.valueHeadDim, interleavedRope: latent.interleavedRope)
        }
        try spec.checkSlidingWindows(file: file)
        return spec
    }
}
