/// The scratch buffers of one forward pass.
struct Workspace {
    let hidden: UnsafeMutablePointer<Float>
    let normed: UnsafeMutablePointer<Float>
    let queryKeyValue: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    /// Attention's scratch for blocks run in turn.
    let attentionScratch: Attention.Scratch
    let gateUp: UnsafeMutablePointer<Float>
    let activated: UnsafeMutablePointer<Float>

    /// Buffers for `rows` positions after `past` cached ones.
    init(spec: DecoderSpec, rows: Int, past: Int) {
        let sizes = Attention.scratch(
            rows: rows, past: past, headCount: spec.headCount, keyValueHeadCount: spec.keyValueHeadCount, headDim: spec.headDim)
        hidden = .allocate(capacity: rows * spec.hiddenSize)
        normed = .allocate(capacity: rows * Swift.max(spec.hiddenSize, spec.queryWidth))
        queryKeyValue = .allocate(capacity: rows * (spec.queryWidth + 2 * spec.keyValueWidth))
        attention = .allocate(capacity: rows * spec.queryWidth)
        attentionScratch = Attention.Scratch(scores: .allocate(capacity: sizes.scores), stackedQueries: .allocate(capacity: sizes.stacked),
                                             stackedOutput: .allocate(capacity: sizes.stacked), transposedValues: .allocate(capacity: sizes.values))
        gateUp = .allocate(capacity: rows * 2 * spec.intermediateSize)
        activated = .allocate(capacity: rows * spec.intermediateSize)
    }

    func release() {
        let a = attentionScratch
        for buffer in [hidden, normed, queryKeyValue, attention, a.scores, a.stackedQueries, a.stackedOutput, a.transposedValues, gateUp, activated] {
            buffer.deallocate()
        }
    }
}
