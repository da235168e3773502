/// One decoder block's forward pass over a run of positions: attention with its residual, then the
/// MLP with its residual. Shared by whole-model inference (``DecoderModel``) and layer-by-layer
/// calibration (``LayerwiseModel``), which passes a ``LayerTap`` to see the activations inside.
struct BlockForward {
    let spec: DecoderSpec
    let rotary: RotaryEmbedding

    /// Runs `layer` (block `l`) over `rows` positions after `past` cached ones, in place on
    /// `w.hidden`, appending its keys and values to `cache`.
    func run(
        _ layer: DecoderLayer, index l: Int, rows: Int, past: Int, cache: KVCache, workspace w: Workspace,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, tap: (any LayerTap)? = nil
    ) {
        let hiddenSize = spec.hiddenSize
        layer.inputNorm.apply(w.hidden, rows: rows, into: w.normed)
        tap?.observe(.attentionInput, w.normed, rows: rows, width: hiddenSize, stride: hiddenSize)
        attention(layer, index: l, rows: rows, past: past, cache: cache, workspace: w, cos: cos, sin: sin, tap: tap)
        layer.postAttentionNorm?.apply(w.normed, rows: rows, into: w.normed)
        VectorMath.add(w.normed, to: w.hidden, count: rows * hiddenSize)

        layer.feedForwardNorm.apply(w.hidden, rows: rows, into: w.normed)
        tap?.observe(.feedForwardInput, w.normed, rows: rows, width: hiddenSize, stride: hiddenSize)
        feedForward(layer, rows: rows, workspace: w, tap: tap)
        layer.postFeedForwardNorm?.apply(w.normed, rows: rows, into: w.normed)
        VectorMath.add(w.normed, to: w.hidden, count: rows * hiddenSize)
    }

    /// The attention module: from the normed input in `w.normed` to the output projection's
    /// result, written back to `w.normed`.
    func attention(
        _ layer: DecoderLayer, index l: Int, rows: Int, past: Int, cache: KVCache, workspace w: Workspace,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, tap: (any LayerTap)?
    ) {
        let qWidth = spec.queryWidth
        let kvWidth = spec.keyValueWidth
        let qkvWidth = qWidth + 2 * kvWidth
        let headDim = spec.headDim
        layer.queryKeyValue.apply(w.normed, rows: rows, into: w.queryKeyValue)
        if let queryNorm = layer.queryNorm, let keyNorm = layer.keyNorm {
            for r in 0..<rows {
                let row = w.queryKeyValue + r * qkvWidth
                queryNorm.apply(row, rows: spec.headCount, into: row)
                keyNorm.apply(row + qWidth, rows: spec.keyValueHeadCount, into: row + qWidth)
            }
        }
        rotary.apply(w.queryKeyValue, rows: rows, stride: qkvWidth, heads: spec.headCount, headDim: headDim, cos: cos, sin: sin)
        rotary.apply(
            w.queryKeyValue + qWidth, rows: rows, stride: qkvWidth, heads: spec.keyValueHeadCount, headDim: headDim,
            cos: cos, sin: sin)
        tap?.observe(.keys, w.queryKeyValue + qWidth, rows: rows, width: kvWidth, stride: qkvWidth)
        tap?.observe(.values, w.queryKeyValue + qWidth + kvWidth, rows: rows, width: kvWidth, stride: qkvWidth)
        layer.keyValueCache?.apply(w.queryKeyValue, rows: rows, stride: qkvWidth, keyOffset: qWidth)
        cache.append(
            layer: l, rows: rows, keys: w.queryKeyValue + qWidth, values: w.queryKeyValue + qWidth + kvWidth, stride: qkvWidth)
        cache.keys[l].withUnsafeBufferPointer { keys in
            cache.values[l].withUnsafeBufferPointer { values in
                layer.attention(
                    queries: w.queryKeyValue, queryStride: qkvWidth, rows: rows, past: past,
                    keys: keys.baseAddress!, values: values.baseAddress!, scores: w.scores,
                    stackedQueries: w.stackedQueries, stackedOutput: w.stackedOutput, transposedValues: w.transposedValues,
                    output: w.attention)
            }
        }
        tap?.observe(.attentionOutput, w.attention, rows: rows, width: qWidth, stride: qWidth)
        layer.output.apply(w.attention, rows: rows, into: w.normed)
    }

    /// The MLP (dense or mixture): from the normed input in `w.normed` to its output, written back
    /// to `w.normed`.
    func feedForward(_ layer: DecoderLayer, rows: Int, workspace w: Workspace, tap: (any LayerTap)?) {
        let inner = spec.intermediateSize
        switch layer.feedForward {
        case .dense(let gateUp, let down):
            gateUp.apply(w.normed, rows: rows, into: w.gateUp)
            for r in 0..<rows {
                let row = w.gateUp + r * 2 * inner
                spec.activation.gatedProduct(gate: row, up: row + inner, out: w.activated + r * inner, count: inner)
            }
            tap?.observe(.feedForwardInner, w.activated, rows: rows, width: inner, stride: inner)
            down.apply(w.activated, rows: rows, into: w.normed)
        case .mixture(let mixture):
            mixture.apply(w.normed, rows: rows, into: w.normed)
        }
    }
}
