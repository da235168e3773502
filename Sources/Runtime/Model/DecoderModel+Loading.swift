import Checkpoint
import Foundation

extension DecoderModel {
    /// Loads the checkpoint in `directory`: reads config.json, picks the architecture from its
    /// `model_type`, keeps bf16 projections in bf16 and widens other weights to f32 (F16 and F32
    /// checkpoints, embeddings, norms), except the projections of a compressed-tensors checkpoint,
    /// which stay compressed (``CompressedLinear``).
    ///
    /// The output head is the token embedding when the config ties them, or when the checkpoint
    /// has no `lm_head.weight`.
    ///
    /// - Parameter threads: compute threads (kernels and OpenBLAS); nil for one per core.
    public convenience init(directory: String, threads: Int? = nil) throws(RuntimeError) {
        ComputeThreads.configure(threads)
        let (spec, weights) = try Self.open(directory: directory)
        try self.init(spec: spec, weights: weights)
    }

    /// The spec of the checkpoint in `directory` and its tensors under the runtime's names, nothing read yet.
    static func open(directory: String) throws(RuntimeError) -> (DecoderSpec, WeightStore) {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: directory) } catch { throw .checkpoint(error) }
        return try open(checkpoint)
    }

    /// The spec of the opened `checkpoint` and its tensors under the runtime's names, read through its mappings.
    static func open(_ checkpoint: Checkpoint) throws(RuntimeError) -> (DecoderSpec, WeightStore) {
        let directory = checkpoint.directory
        let configPath = directory + "/" + ModelConfig.fileName
        guard let config = checkpoint.config, let data = FileManager.default.contents(atPath: configPath) else {
            throw .missingConfiguration(directory: directory)
        }
        guard let modelType = config.modelType else {
            throw .invalidConfiguration(file: configPath, reason: "missing key 'model_type'")
        }
        let entry = try ArchitectureRegistry.entry(modelType: modelType)
        let spec = try entry.spec(data, configPath)
        let named = Dictionary(checkpoint.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return (spec, WeightStore(checkpoint: checkpoint, tensors: entry.sanitize(named)))
    }

    /// Builds the model from `weights`, named as ``DecoderArchitecture/sanitize(weights:)`` leaves them.
    convenience init(spec: DecoderSpec, weights: WeightStore) throws(RuntimeError) {
        let hidden = spec.hiddenSize
        let embedding = try weights.floats("model.embed_tokens.weight", shape: [spec.vocabularySize, hidden])
        var layers: [DecoderLayer] = []
        for l in 0..<spec.layerCount {
            layers.append(try Self.layer(l, spec: spec, weights: weights))
        }
        let finalNorm = try Self.norm("model.norm.weight", width: hidden, spec: spec, weights: weights)
        let head: DenseLinear
        if spec.tiedEmbeddings || !weights.contains("lm_head.weight") {
            // The embedding table: shared when widened, or a bf16 copy (half the bytes to read per token).
            head = weights.keepsBF16("model.embed_tokens.weight")
                ? try weights.linear(["model.embed_tokens"], outputs: [spec.vocabularySize], inputFeatures: hidden, requireBias: false)
                : DenseLinear(weight: embedding, bias: nil, outputFeatures: spec.vocabularySize, inputFeatures: hidden)
        } else {
            head = try weights.linear(["lm_head"], outputs: [spec.vocabularySize], inputFeatures: hidden, requireBias: false)
        }
        self.init(spec: spec, embedding: embedding, layers: layers, finalNorm: finalNorm, head: head)
    }

    static func layer(_ l: Int, spec: DecoderSpec, weights: WeightStore) throws(RuntimeError) -> DecoderLayer {
        let prefix = "model.layers.\(l)."
        let hidden = spec.hiddenSize
        let q = spec.queryWidth
        let kv = spec.keyValueWidth
        let inner = spec.intermediateSize
        let attention = prefix + "self_attn."
        let mlp = prefix + "mlp."

        let queryKeyValue = spec.fusedQKV
            ? try weights.projection([attention + "qkv_proj"], outputs: [q + 2 * kv], inputFeatures: hidden, requireBias: spec.queryKeyValueBias)
            : try weights.projection(
                [attention + "q_proj", attention + "k_proj", attention + "v_proj"], outputs: [q, kv, kv],
                inputFeatures: hidden, requireBias: spec.queryKeyValueBias)
        let feedForward: FeedForward
        if let mixture = spec.mixture, mixture.sparseLayers[l] {
            feedForward = .mixture(try Self.mixture(mixture, prefix: mlp, spec: spec, weights: weights))
        } else {
            let gateUp = spec.fusedGateUp
                ? try weights.projection([mlp + "gate_up_proj"], outputs: [2 * inner], inputFeatures: hidden, requireBias: spec.mlpBias)
                : try weights.projection(
                    [mlp + "gate_proj", mlp + "up_proj"], outputs: [inner, inner], inputFeatures: hidden, requireBias: spec.mlpBias)
            let down = try weights.projection([mlp + "down_proj"], outputs: [hidden], inputFeatures: inner, requireBias: spec.mlpBias)
            feedForward = .dense(gateUp: gateUp, down: down)
        }

        return DecoderLayer(
            inputNorm: try norm(prefix + "input_layernorm.weight", width: hidden, spec: spec, weights: weights),
            queryKeyValue: queryKeyValue,
            queryNorm: spec.queryKeyNorm ? try norm(attention + "q_norm.weight", width: spec.headDim, spec: spec, weights: weights) : nil,
            keyNorm: spec.queryKeyNorm ? try norm(attention + "k_norm.weight", width: spec.headDim, spec: spec, weights: weights) : nil,
            output: try weights.projection([attention + "o_proj"], outputs: [hidden], inputFeatures: q, requireBias: spec.outputBias),
            postAttentionNorm: spec.sandwichNorms
                ? try norm(prefix + "post_attention_layernorm.weight", width: hidden, spec: spec, weights: weights) : nil,
            feedForwardNorm: try norm(
                prefix + (spec.sandwichNorms ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"),
                width: hidden, spec: spec, weights: weights),
            feedForward: feedForward,
            postFeedForwardNorm: spec.sandwichNorms
                ? try norm(prefix + "post_feedforward_layernorm.weight", width: hidden, spec: spec, weights: weights) : nil,
            attention: Attention(
                headCount: spec.headCount, keyValueHeadCount: spec.keyValueHeadCount, headDim: spec.headDim,
                scale: spec.attentionScale, softcap: spec.attentionSoftcap, window: spec.slidingWindows[l]),
            keyValueCache: try weights.keyValueCache(
                prefix + "self_attn", heads: spec.keyValueHeadCount, headDim: spec.headDim))
    }

    /// The router, experts and shared expert under `prefix` (`model.layers.N.mlp.`): `gate`,
    /// `experts.E.{gate,up,down}_proj`, and `shared_expert.{gate,up,down}_proj` with
    /// `shared_expert_gate` when the spec has a shared expert.
    private static func mixture(
        _ mixture: MixtureSpec, prefix: String, spec: DecoderSpec, weights: WeightStore
    ) throws(RuntimeError) -> MixtureOfExperts {
        let hidden = spec.hiddenSize
        func expert(_ name: String, inner: Int) throws(RuntimeError) -> MixtureOfExperts.Expert {
            MixtureOfExperts.Expert(
                gateUp: try weights.projection(
                    [name + "gate_proj", name + "up_proj"], outputs: [inner, inner], inputFeatures: hidden, requireBias: false),
                down: try weights.projection([name + "down_proj"], outputs: [hidden], inputFeatures: inner, requireBias: false))
        }
        var experts: [MixtureOfExperts.Expert] = []
        for e in 0..<mixture.expertCount {
            experts.append(try expert(prefix + "experts.\(e).", inner: mixture.expertIntermediateSize))
        }
        var shared: (expert: MixtureOfExperts.Expert, gate: any Linear)?
        if let inner = mixture.sharedExpertIntermediateSize {
            shared = (
                try expert(prefix + "shared_expert.", inner: inner),
                try weights.projection([prefix + "shared_expert_gate"], outputs: [1], inputFeatures: hidden, requireBias: false))
        }
        return MixtureOfExperts(
            router: try weights.projection([prefix + "gate"], outputs: [mixture.expertCount], inputFeatures: hidden, requireBias: false),
            experts: experts, expertsPerToken: mixture.expertsPerToken, normalizeTopK: mixture.normalizeTopK,
            shared: shared, activation: spec.activation)
    }

    private static func norm(_ name: String, width: Int, spec: DecoderSpec, weights: WeightStore) throws(RuntimeError) -> RMSNorm {
        var weight = try weights.floats(name, shape: [width])
        if spec.normWeightOffset != 0 {
            for i in weight.indices { weight[i] += spec.normWeightOffset }
        }
        return RMSNorm(weight: weight, epsilon: spec.normEpsilon)
    }
}
