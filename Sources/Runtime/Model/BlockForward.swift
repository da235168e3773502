/// One decoder block's forward pass over a run of positions: attention with its residual, then the
/// MLP with its residual. Shared by whole-model inference (``DecoderModel``) and layer-by-layer
/// calibration (``LayerwiseModel``), which passes a ``LayerTap`` to see the activations inside.
///
/// The rows may hold several sequences (``Segment``), as calibration batches its samples: norms
/// and projections run over every row at once, while each sequence attends only to itself and the
/// tap sees each sequence's activations on their own, in order.
struct BlockForward {
    let spec: DecoderSpec
    let rotary: RotaryEmbedding

    /// One sequence among the rows: its rows, the positions cached before them, and its cache.
    struct Segment {
        let rows: Range<Int>
        let past: Int
        let cache: KVCache
    }

    /// Runs `layer` (block `l`) over the rows of `segments` (consecutive, from row 0) in place on
    /// `w.hidden`. `cos` and `sin` hold the rotary tables of each segment's positions from its
    /// first row on (row `r` of a segment reads table row `r`).
    ///
    /// With `kept` > 0 (the last block, when only later positions take logits; no `tap`), every
    /// row's keys and values still reach the caches, but past the attention only each segment's
    /// rows from its `kept`-th on go on: packed to the front of `w.hidden`, in segment order.
    func run(
        _ layer: DecoderLayer, index l: Int, segments: [Segment], workspace w: Workspace,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, tap: (any LayerTap)?, kept: Int = 0
    ) {
        precondition(tap == nil || kept == 0, "a tap sees every row")
        let hiddenSize = spec.hiddenSize, allRows = segments.last?.rows.upperBound ?? 0
        layer.inputNorm.apply(w.hidden, rows: allRows, into: w.normed)
        observe(tap, .attentionInput, w.normed, sequences: segments.map(\.rows), width: hiddenSize, stride: hiddenSize)
        let sequences = attention(layer, index: l, segments: segments, workspace: w, cos: cos, sin: sin, tap: tap, kept: kept)
        if kept > 0 { Self.pack(segments, from: kept, of: w.hidden, width: hiddenSize) }
        let rows = sequences.last?.upperBound ?? 0
        layer.postAttentionNorm?.apply(w.normed, rows: rows, into: w.normed)
        VectorMath.add(w.normed, to: w.hidden, count: rows * hiddenSize)

        layer.feedForwardNorm.apply(w.hidden, rows: rows, into: w.normed)
        observe(tap, .feedForwardInput, w.normed, sequences: sequences, width: hiddenSize, stride: hiddenSize)
        feedForward(layer, sequences: sequences, workspace: w, tap: tap)
        layer.postFeedForwardNorm?.apply(w.normed, rows: rows, into: w.normed)
        VectorMath.add(w.normed, to: w.hidden, count: rows * hiddenSize)
    }

    /// Moves each segment's rows from its `kept`-th on to the front of `buffer` (rows of `width`
    /// values), in segment order, and returns where they now lie.
    @discardableResult
    static func pack(_ segments: [Segment], from kept: Int, of buffer: UnsafeMutablePointer<Float>, width: Int) -> [Range<Int>] {
        var packed: [Range<Int>] = [], next = 0
        for segment in segments {
            let start = Swift.min(segment.rows.lowerBound + kept, segment.rows.upperBound), count = segment.rows.upperBound - start
            if start != next { (buffer + next * width).update(from: buffer + start * width, count: count * width) }
            packed.append(next..<next + count)
            next += count
        }
        return packed
    }

    /// The attention module: from the normed input in `w.normed` to the output projection's
    /// result, written back to `w.normed`; with `kept` > 0 only for each segment's rows from its
    /// `kept`-th on, packed to the front. Returns the rows the result's sequences lie in.
    @discardableResult
    func attention(
        _ layer: DecoderLayer, index l: Int, segments: [Segment], workspace w: Workspace,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, tap: (any LayerTap)?, kept: Int = 0
    ) -> [Range<Int>] {
        let qWidth = spec.queryWidth
        let kvWidth = spec.keyValueWidth
        let qkvWidth = qWidth + 2 * kvWidth
        let headDim = spec.headDim
        let rows = segments.last?.rows.upperBound ?? 0, sequences = segments.map(\.rows)
        let latent = layer.queryKeyValue as? LatentAttentionProjections
        let observeLatent: LatentObserver? = tap.map { tap in
            { site, values, width in observe(tap, site, values, sequences: sequences, width: width, stride: width) }
        }
        if let latent {
            latent.apply(w.normed, rows: rows, into: w.queryKeyValue, observe: observeLatent)
        } else {
            layer.queryKeyValue.apply(w.normed, rows: rows, into: w.queryKeyValue)
        }
        if let queryNorm = layer.queryNorm, let keyNorm = layer.keyNorm {
            for r in 0..<rows {
                let row = w.queryKeyValue + r * qkvWidth
                queryNorm.apply(row, rows: spec.headCount, into: row)
                keyNorm.apply(row + qWidth, rows: spec.keyValueHeadCount, into: row + qWidth)
            }
        }
        for segment in segments {
            let n = segment.rows.count, cache = segment.cache
            let qkv = w.queryKeyValue + segment.rows.lowerBound * qkvWidth
            rotary.apply(qkv, rows: n, stride: qkvWidth, heads: spec.headCount, headDim: headDim, cos: cos, sin: sin)
            rotary.apply(qkv + qWidth, rows: n, stride: qkvWidth, heads: spec.keyValueHeadCount, headDim: headDim, cos: cos, sin: sin)
            if let latent {
                // The rotated shared key leads every head's key slot; the normed latent went to `.keys` above.
                tap?.observe(.values, qkv + qWidth, rows: n, width: latent.spec.rotatedHeadDim, stride: qkvWidth)
            } else {
                tap?.observe(.queries, qkv, rows: n, width: qWidth, stride: qkvWidth)
                tap?.observe(.keys, qkv + qWidth, rows: n, width: kvWidth, stride: qkvWidth)
                tap?.observe(.values, qkv + qWidth + kvWidth, rows: n, width: kvWidth, stride: qkvWidth)
            }
            layer.queryQuantization?.apply(qkv, rows: n, stride: qkvWidth)
            layer.keyValueCache?.apply(qkv, rows: n, stride: qkvWidth, keyOffset: qWidth)
            cache.append(layer: l, rows: n, keys: qkv + qWidth, values: qkv + qWidth + kvWidth, stride: qkvWidth)
            cache.keys[l].withUnsafeBufferPointer { keys in
                cache.values[l].withUnsafeBufferPointer { values in
                    layer.attention(
                        queries: qkv, queryStride: qkvWidth, rows: n, past: segment.past,
                        keys: keys.baseAddress!, values: values.baseAddress!, scratch: w.attentionScratch,
                        output: w.attention + segment.rows.lowerBound * qWidth)
                }
            }
        }
        let packed = kept > 0 ? Self.pack(segments, from: kept, of: w.attention, width: qWidth) : sequences
        let packedRows = packed.last?.upperBound ?? 0
        if let output = layer.output as? LatentAttentionOutput {
            output.apply(w.attention, rows: packedRows, into: w.normed, observe: observeLatent)
        } else {
            observe(tap, .attentionOutput, w.attention, sequences: sequences, width: qWidth, stride: qWidth)
            layer.output.apply(w.attention, rows: packedRows, into: w.normed)
        }
        return packed
    }

    /// The MLP (dense or mixture): from the normed input in `w.normed` to its output, written back
    /// to `w.normed`, over the rows of `sequences` (consecutive, from row 0), which split only what `tap` sees.
    func feedForward(_ layer: DecoderLayer, sequences: [Range<Int>], workspace w: Workspace, tap: (any LayerTap)?) {
        let inner = spec.intermediateSize, rows = sequences.last?.upperBound ?? 0
        switch layer.feedForward {
        case .dense(let gateUp, let down):
            gateUp.apply(w.normed, rows: rows, into: w.gateUp)
            ComputeThreads.forEachRange(count: rows, work: rows * inner) { share in
                for r in share {
                    let row = w.gateUp + r * 2 * inner
                    spec.activation.gatedProduct(gate: row, up: row + inner, out: w.activated + r * inner, count: inner)
                }
            }
            observe(tap, .feedForwardInner, w.activated, sequences: sequences, width: inner, stride: inner)
            down.apply(w.activated, rows: rows, into: w.normed)
        case .mixture(let mixture):
            guard tap != nil else {
                mixture.apply(w.normed, rows: rows, into: w.normed, tap: nil)
                return
            }
            // The experts' taps see the tokens a sample routes to them, one sample at a time.
            for sequence in sequences {
                let rowsOfSequence = w.normed + sequence.lowerBound * spec.hiddenSize
                mixture.apply(rowsOfSequence, rows: sequence.count, into: rowsOfSequence, tap: tap)
            }
        }
    }

    /// Shows `tap` the rows of `site` sequence by sequence.
    private func observe(_ tap: (any LayerTap)?, _ site: LayerSite, _ values: UnsafePointer<Float>, sequences: [Range<Int>], width: Int, stride: Int) {
        guard let tap else { return }
        for rows in sequences {
            tap.observe(site, values + rows.lowerBound * stride, rows: rows.count, width: width, stride: stride)
        }
    }
}
