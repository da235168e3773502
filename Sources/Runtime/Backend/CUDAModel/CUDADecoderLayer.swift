import CUDA

/// One dense decoder block on the GPU, run as ``BlockForward`` runs it on the CPU: norm, `[q | k | v]`,
/// RoPE, causal grouped-query attention, output projection (post-norm), residual add; norm,
/// `[gate | up]`, gated activation, down projection (post-norm), residual add.
struct CUDADecoderLayer {
    let inputNorm: CUDANorm
    let queryKeyValue: CUDALinear
    let output: CUDALinear
    let postAttentionNorm: CUDANorm?
    let feedForwardNorm: CUDANorm
    let gateUp: CUDALinear
    let down: CUDALinear
    let postFeedForwardNorm: CUDANorm?
    let attention: Attention

    /// Uploads block `index` of a model the CUDA backend runs (``CUDADecoderModel/unsupportedFeature(of:)`` is nil).
    init(_ layer: DecoderLayer, index: Int, context: CUDAContext) throws(RuntimeError) {
        guard case let .dense(gateUp, down) = layer.feedForward else {
            throw .backendUnavailable("layer \(index): a mixture-of-experts MLP does not run on cuda yet; use --device cpu")
        }
        let module = "model.layers.\(index)"
        do {
            inputNorm = try CUDANorm(layer.inputNorm, context: context)
            postAttentionNorm = try layer.postAttentionNorm.map { n throws(CUDAError) in try CUDANorm(n, context: context) }
            feedForwardNorm = try CUDANorm(layer.feedForwardNorm, context: context)
            postFeedForwardNorm = try layer.postFeedForwardNorm.map { n throws(CUDAError) in try CUDANorm(n, context: context) }
        } catch { throw .cuda(error) }
        queryKeyValue = try CUDALinear(layer.queryKeyValue, module: module + ".self_attn.qkv_proj", context: context)
        output = try CUDALinear(layer.output, module: module + ".self_attn.o_proj", context: context)
        self.gateUp = try CUDALinear(gateUp, module: module + ".mlp.gate_up_proj", context: context)
        self.down = try CUDALinear(down, module: module + ".mlp.down_proj", context: context)
        attention = layer.attention
    }

    /// Runs the block over the first `rows` positions of `w.hidden` (a window from an empty cache), in place.
    func run(rows: Int, spec: DecoderSpec, rotaryDimension: Int, workspace w: CUDAWorkspace, context: CUDAContext) throws(CUDAError) {
        let qWidth = spec.queryWidth, kvWidth = spec.keyValueWidth, qkvWidth = qWidth + 2 * kvWidth, headDim = spec.headDim
        try inputNorm.apply(w.hidden, rows: rows, into: w.normed, context: context)
        try queryKeyValue.apply(w.normed, rows: rows, into: w.queryKeyValue, scratch: w.rounded, context: context)
        for (offset, heads) in [(0, spec.headCount), (qWidth, spec.keyValueHeadCount)] {
            try context.launch("rotary_f32", .rotary(rows: rows, heads: heads, rotaryDimension: rotaryDimension), [
                .pointer(w.queryKeyValue, offset: 4 * offset), .pointer(w.cosines), .pointer(w.sines), .int64(Int64(qkvWidth)),
                .int32(Int32(headDim)), .int32(Int32(rotaryDimension)),
            ])
        }
        for (offset, packed) in [(qWidth, w.keys), (qWidth + kvWidth, w.values)] {
            try context.launch("copy_rows_f32", .elementwise(count: rows * kvWidth), [
                .pointer(w.queryKeyValue, offset: 4 * offset), .int64(Int64(qkvWidth)), .pointer(packed), .int64(Int64(kvWidth)),
                .int32(Int32(rows)), .int32(Int32(kvWidth)),
            ])
        }
        let plan = try LaunchPlan.attention(rows: rows, past: 0, heads: spec.headCount, headDim: headDim, sharedLimit: context.backend.device.sharedMemoryPerBlock)
        try context.launch("attention_f32", plan, [
            .pointer(w.queryKeyValue), .int64(Int64(qkvWidth)), .int32(0), .pointer(w.keys), .pointer(w.values),
            .int32(Int32(spec.headCount)), .int32(Int32(spec.keyValueHeadCount)), .int32(Int32(headDim)), .float(attention.scale),
            .float(attention.softcap ?? 0), .int32(Int32(attention.window ?? 0)), .pointer(w.attention),
        ])
        try output.apply(w.attention, rows: rows, into: w.normed, scratch: w.rounded, context: context)
        try residual(postAttentionNorm, rows: rows, width: spec.hiddenSize, workspace: w, context: context)

        try feedForwardNorm.apply(w.hidden, rows: rows, into: w.normed, context: context)
        try gateUp.apply(w.normed, rows: rows, into: w.gateUp, scratch: w.rounded, context: context)
        let inner = spec.intermediateSize
        try context.launch("gated_activation_f32", .elementwise(count: rows * inner), [
            .pointer(w.gateUp), .pointer(w.activated), .int32(Int32(rows)), .int32(Int32(inner)), .int32(Self.activationCode(spec.activation)),
        ])
        try down.apply(w.activated, rows: rows, into: w.normed, scratch: w.rounded, context: context)
        try residual(postFeedForwardNorm, rows: rows, width: spec.hiddenSize, workspace: w, context: context)
    }

    /// `hidden += norm(normed)` (or `+= normed` without a post-norm).
    private func residual(_ norm: CUDANorm?, rows: Int, width: Int, workspace w: CUDAWorkspace, context: CUDAContext) throws(CUDAError) {
        try norm?.apply(w.normed, rows: rows, into: w.normed, context: context)
        try context.launch("add_f32", .elementwise(count: rows * width), [.pointer(w.hidden), .pointer(w.normed), .int64(Int64(rows * width))])
    }

    /// `gated_activation_f32`'s code of `activation`.
    static func activationCode(_ activation: Activation) -> Int32 {
        switch activation {
        case .silu: 0
        case .geluTanh: 1
        case .gelu: 2
        }
    }
}
