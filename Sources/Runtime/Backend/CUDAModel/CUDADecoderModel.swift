import CUDA

/// A dense decoder model (the Llama family: RMSNorm, RoPE, grouped-query attention, gated MLP,
/// tied or untied head, with Gemma's norms and soft caps) run on the GPU from a loaded CPU
/// ``DecoderModel``: every weight is uploaded once in f32 (compressed ones dequantized by the
/// runtime's own decoders), inputs are rounded where the CPU runtime rounds them, and each window
/// runs from an empty cache, its logits downloaded for scoring on the host.
///
/// Mixtures of experts, latent attention, per-head query/key norms, query quantization and FP8 KV
/// caches are refused (``unsupportedFeature(of:)``).
public final class CUDADecoderModel: ScoringModel {
    /// The host model: its spec, embedding table and rotary embedding.
    let model: DecoderModel
    let context: CUDAContext
    let layers: [CUDADecoderLayer]
    let finalNorm: CUDANorm
    let head: CUDALinear
    /// The buffers of the last window, reused while windows fit.
    private var workspace: CUDAWorkspace?

    public var vocabularySize: Int { model.vocabularySize }

    /// Uploads `model` to `context`'s device.
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` naming what the CUDA backend does not run
    ///   yet, or ``RuntimeError/cuda(_:)`` for an allocation or copy that fails.
    public init(_ model: DecoderModel, context: CUDAContext) throws(RuntimeError) {
        if let feature = Self.unsupportedFeature(of: model) {
            throw .backendUnavailable("the CUDA backend does not run \(feature) yet; use --device cpu")
        }
        self.model = model
        self.context = context
        var layers: [CUDADecoderLayer] = []
        for (index, layer) in model.layers.enumerated() { layers.append(try CUDADecoderLayer(layer, index: index, context: context)) }
        self.layers = layers
        do { finalNorm = try CUDANorm(model.finalNorm, context: context) } catch { throw .cuda(error) }
        head = try CUDALinear(model.head, module: "lm_head", context: context)
    }

    /// What of `model` the CUDA backend does not run, in words, or nil when it runs all of it.
    static func unsupportedFeature(of model: DecoderModel) -> String? {
        let spec = model.spec
        if spec.latentAttention != nil { return "latent attention (\(spec.architecture.name))" }
        if spec.mixture != nil || model.layers.contains(where: { if case .mixture = $0.feedForward { true } else { false } }) {
            return "mixture-of-experts MLPs (\(spec.architecture.name))"
        }
        if model.layers.contains(where: { $0.queryNorm != nil || $0.keyNorm != nil }) {
            return "per-head query and key norms (\(spec.architecture.name))"
        }
        if model.layers.contains(where: { $0.queryQuantization != nil }) { return "quantized attention queries (q_scale)" }
        if model.layers.contains(where: { $0.keyValueCache != nil }) { return "an FP8 KV cache (kv_cache_scheme)" }
        return nil
    }

    /// Nothing: the model keeps its device buffers itself (``CUDAWorkspace``).
    public func makeWindowState(capacity: Int) {}

    /// The logits of every position of `tokens`, run from an empty cache on the GPU.
    public func logits(_ tokens: [Int], state: Void, into logits: UnsafeMutablePointer<Float>) throws(RuntimeError) {
        try model.check(tokens)
        do { try forward(tokens, into: logits) } catch { throw .cuda(error) }
    }

    private func forward(_ tokens: [Int], into output: UnsafeMutablePointer<Float>) throws(CUDAError) {
        let spec = model.spec, n = tokens.count
        if workspace.map({ $0.rows < n }) ?? true {
            workspace = nil  // frees the smaller buffers first
            workspace = try CUDAWorkspace(spec: spec, rotary: model.rotary, rows: n, context: context)
        }
        let w = workspace!
        try w.hidden.upload([Float](unsafeUninitializedCapacity: n * spec.hiddenSize) { rows, initialized in
            model.embed(tokens, into: rows.baseAddress!)
            initialized = n * spec.hiddenSize
        })
        for layer in layers {
            try layer.run(rows: n, spec: spec, rotaryDimension: model.rotary.rotaryDim, workspace: w, context: context)
        }
        try finalNorm.apply(w.hidden, rows: n, into: w.normed, context: context)
        try head.apply(w.normed, rows: n, into: w.logits, scratch: w.rounded, context: context)
        try w.logits.download(n * spec.vocabularySize, into: output)
        if let cap = spec.finalLogitSoftcap { VectorMath.softcap(output, count: n * spec.vocabularySize, cap: cap) }
    }
}
