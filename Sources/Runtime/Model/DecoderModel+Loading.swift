import Architectures
import Checkpoint
import CompressedTensors
import Foundation

extension DecoderModel {
    /// Loads the checkpoint in `directory`: reads config.json, picks the family from its
    /// `model_type` (``ArchitectureRegistry``), keeps bf16 projections in bf16 and widens other
    /// weights to f32 (F16 and F32 checkpoints, embeddings, norms), except the projections of a
    /// compressed-tensors checkpoint, which stay compressed (``CompressedLinear``).
    ///
    /// The output head is the token embedding when the config ties them, or when the checkpoint
    /// has no `lm_head.weight`.
    ///
    /// - Parameters:
    ///   - threads: compute threads (kernels and OpenBLAS); nil for one per core.
    ///   - bf16Products: what the dense layers whose weights are stored in bf16 multiply: their
    ///     f32 product (the default), or bf16-rounded inputs, as a bf16 model computes in PyTorch.
    public convenience init(directory: String, threads: Int? = nil, bf16Products: DenseLinear.Products = .float32) throws(RuntimeError) {
        ComputeThreads.configure(threads)
        var (spec, weights) = try Self.open(directory: directory)
        weights.bf16Products = bf16Products
        try self.init(spec: spec, weights: weights)
    }

    /// The spec of the checkpoint in `directory` and its tensors under the runtime's names, nothing read yet.
    static func open(directory: String) throws(RuntimeError) -> (DecoderSpec, WeightStore) {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: directory) } catch { throw .checkpoint(error) }
        return try open(checkpoint)
    }

    /// The spec of the opened `checkpoint` and its tensors, read through its mappings.
    /// config.json is checked against the tensors before anything is allocated from it (its layer
    /// count, sizes and RoPE values; its quantization_config as `compress verify` checks it). The
    /// weights of an FP8 block checkpoint (`quant_method: fp8`) are read dequantized to BF16.
    static func open(_ stored: Checkpoint) throws(RuntimeError) -> (DecoderSpec, WeightStore) {
        let checkpoint: Checkpoint
        do { checkpoint = try DequantizedSource.openFP8Blocks(stored) } catch { throw .compressedTensors(error) }
        let directory = checkpoint.directory
        let configPath = directory + "/" + ModelConfig.fileName
        guard let config = checkpoint.config, let data = FileManager.default.contents(atPath: configPath) else {
            throw .missingConfiguration(directory: directory)
        }
        guard let modelType = config.modelType else {
            throw .invalidConfiguration(file: configPath, reason: "missing key 'model_type'")
        }
        guard let architecture = ArchitectureRegistry.family(modelType: modelType) else {
            throw .unsupportedArchitecture(modelType: modelType, supported: ArchitectureRegistry.modelTypes)
        }
        // Some exporters save the rotary embedding's buffer beside the parameters.
        let parameters = checkpoint.tensors.filter { !$0.name.hasSuffix(".rotary_emb.inv_freq") }
        let tensors = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let spec = try architecture.spec(configuration: data, file: configPath, tensorNames: tensors.keys)
        let quantization = try QuantizationConfig(config, file: configPath)
        return (spec, WeightStore(checkpoint: checkpoint, tensors: tensors, quantization: quantization))
    }

    /// Builds the model from `weights`, named as the spec's architecture lays them out.
    convenience init(spec: DecoderSpec, weights: WeightStore) throws(RuntimeError) {
        let layout = spec.architecture.layout
        let hidden = spec.hiddenSize
        let embedding = try weights.table(layout.embedding, rows: spec.vocabularySize, columns: hidden)
        var layers: [DecoderLayer] = []
        for l in 0..<spec.layerCount {
            layers.append(try Self.layer(l, spec: spec, weights: weights))
        }
        let finalNorm = try Self.norm(layout.finalNorm + ".weight", width: hidden, spec: spec, weights: weights)
        let head: any Linear
        if spec.tiedEmbeddings || !(weights.contains(layout.head + ".weight") || weights.contains(layout.head + ".weight_packed")) {
            // The embedding table: shared when widened, or a bf16 copy (half the bytes to read per token).
            head = weights.keepsBF16(layout.embedding + ".weight")
                ? try weights.linear([layout.embedding], outputs: [spec.vocabularySize], inputFeatures: hidden, requireBias: false)
                : DenseLinear(weight: embedding, bias: nil, outputFeatures: spec.vocabularySize, inputFeatures: hidden)
        } else {
            head = try weights.projection([layout.head], outputs: [spec.vocabularySize], inputFeatures: hidden, requireBias: false)
        }
        self.init(spec: spec, embedding: embedding, layers: layers, finalNorm: finalNorm, head: head)
    }

    static func layer(_ l: Int, spec: DecoderSpec, weights: WeightStore) throws(RuntimeError) -> DecoderLayer {
        let layout = spec.architecture.layout
        let prefix = layout.prefix(ofBlock: l)
        let hidden = spec.hiddenSize
        let q = spec.queryWidth
        let kv = spec.keyValueWidth
        let attention = prefix + layout.attention.module + "."
        let norms = layout.norms

        let queryKeyValue: any Linear
        let output: any Linear
        if let latent = spec.latentAttention, let names = layout.attention.latent {
            (queryKeyValue, output) = try latentAttention(
                latent, names: names, attention: attention, outputName: layout.attention.output, spec: spec, weights: weights)
        } else {
            queryKeyValue = try weights.projection(
                layout.attention.inputs.names.map { attention + $0 }, outputs: layout.attention.inputs.isFused ? [q + 2 * kv] : [q, kv, kv],
                inputFeatures: hidden, requireBias: spec.queryKeyValueBias)
            output = try weights.projection([attention + layout.attention.output], outputs: [hidden], inputFeatures: q, requireBias: spec.outputBias)
        }
        let feedForward: FeedForward
        if let mixture = spec.mixture, let declared = layout.mixture, mixture.sparseLayers[l] {
            feedForward = .mixture(try Self.mixture(mixture, declared, prefix: prefix + declared.module + ".", spec: spec, weights: weights))
        } else if let mlp = layout.mlp {
            let (gateUp, down) = try Self.feedForward(mlp, prefix: prefix + layout.mlpModule + ".", inner: spec.intermediateSize,
                                                      hidden: hidden, requireBias: spec.mlpBias, weights: weights)
            feedForward = .dense(gateUp: gateUp, down: down)
        } else {
            throw .invalidArgument("layer \(l) is dense, but \(spec.architecture.name) declares no dense MLP")
        }
        let inputNorm = try norm(prefix + norms.input + ".weight", width: hidden, spec: spec, weights: weights)
        let queryKeyNorms = try (spec.queryKeyNorms ? layout.attention.queryKeyNorms : []).map { name throws(RuntimeError) in
            try norm(attention + name + ".weight", width: spec.headDim, spec: spec, weights: weights)
        }

        return DecoderLayer(
            inputNorm: inputNorm,
            queryKeyValue: queryKeyValue,
            queryNorm: queryKeyNorms.first,
            keyNorm: queryKeyNorms.last,
            output: output,
            postAttentionNorm: try norms.afterAttention.map { name throws(RuntimeError) in
                try norm(prefix + name + ".weight", width: hidden, spec: spec, weights: weights)
            },
            feedForwardNorm: try norm(prefix + norms.beforeFeedForward + ".weight", width: hidden, spec: spec, weights: weights),
            feedForward: feedForward,
            postFeedForwardNorm: try norms.afterFeedForward.map { name throws(RuntimeError) in
                try norm(prefix + name + ".weight", width: hidden, spec: spec, weights: weights)
            },
            attention: Attention(
                headCount: spec.headCount, keyValueHeadCount: spec.keyValueHeadCount, headDim: spec.headDim,
                scale: spec.attentionScale, softcap: spec.attentionSoftcap, window: spec.slidingWindows[l]),
            // Latent attention caches its compressed latent, whose FP8 rounding is not emulated here.
            keyValueCache: spec.latentAttention != nil ? nil : try weights.keyValueCache(
                prefix + layout.attention.module, heads: spec.keyValueHeadCount, headDim: spec.headDim),
            queryQuantization: try weights.queryQuantization(
                prefix + layout.attention.module, heads: spec.headCount, headDim: spec.headDim,
                latent: spec.latentAttention != nil, architecture: spec.architecture))
    }

    /// The gate-and-up and down projections of a gated MLP under `prefix` (`model.layers.N.mlp.`)
    /// whose gate and up are `inner` wide.
    private static func feedForward(
        _ mlp: FeedForwardLayout, prefix: String, inner: Int, hidden: Int, requireBias: Bool, weights: WeightStore
    ) throws(RuntimeError) -> (gateUp: any Linear, down: any Linear) {
        let gateUp = try weights.projection(
            mlp.inputs.names.map { prefix + $0 }, outputs: mlp.inputs.isFused ? [2 * inner] : [inner, inner],
            inputFeatures: hidden, requireBias: requireBias)
        let down = try weights.projection([prefix + mlp.output], outputs: [hidden], inputFeatures: inner, requireBias: requireBias)
        return (gateUp, down)
    }

    /// The router, experts and shared expert of the mixture under `prefix`
    /// (`model.layers.N.block_sparse_moe.`), named as `declared` says.
    private static func mixture(
        _ mixture: MixtureSpec, _ declared: MixtureLayout, prefix: String, spec: DecoderSpec, weights: WeightStore
    ) throws(RuntimeError) -> MixtureOfExperts {
        let hidden = spec.hiddenSize
        func expert(_ layout: FeedForwardLayout, _ name: String, inner: Int) throws(RuntimeError) -> MixtureOfExperts.Expert {
            let (gateUp, down) = try feedForward(layout, prefix: name, inner: inner, hidden: hidden, requireBias: false, weights: weights)
            return MixtureOfExperts.Expert(gateUp: gateUp, down: down)
        }
        var experts: [MixtureOfExperts.Expert] = []
        for e in 0..<mixture.expertCount {
            experts.append(try expert(declared.expert, prefix + "\(declared.experts).\(e).", inner: mixture.expertIntermediateSize))
        }
        var shared: (expert: MixtureOfExperts.Expert, gate: (any Linear)?)?
        if let inner = mixture.sharedExpertIntermediateSize, let sharedExpert = declared.sharedExpert {
            shared = (
                try expert(sharedExpert.projections, prefix + sharedExpert.module + ".", inner: inner),
                try sharedExpert.gate.map { gate throws(RuntimeError) in
                    try weights.projection([prefix + gate], outputs: [1], inputFeatures: hidden, requireBias: false)
                })
        }
        var groupLimited: GroupLimitedRouting?
        if case let .groupLimitedSigmoid(groups, groupsPerToken, scale) = mixture.routing,
           case let .groupLimitedSigmoid(biasName) = declared.routing {
            groupLimited = GroupLimitedRouting(
                groups: groups, groupsPerToken: groupsPerToken, scale: scale, normalize: mixture.normalizeTopK,
                scoreCorrectionBias: try weights.floats(prefix + declared.router + "." + biasName, shape: [mixture.expertCount]))
        }
        return MixtureOfExperts(
            router: try weights.projection([prefix + declared.router], outputs: [mixture.expertCount], inputFeatures: hidden, requireBias: false),
            experts: experts, expertsPerToken: mixture.expertsPerToken, normalizeTopK: mixture.normalizeTopK,
            groupLimited: groupLimited, shared: shared, activation: spec.activation)
    }

    static func norm(_ name: String, width: Int, spec: DecoderSpec, weights: WeightStore) throws(RuntimeError) -> RMSNorm {
        var weight = try weights.floats(name, shape: [width])
        if spec.normWeightOffset != 0 {
            for i in weight.indices { weight[i] += spec.normWeightOffset }
        }
        return RMSNorm(weight: weight, epsilon: spec.normEpsilon)
    }
}
