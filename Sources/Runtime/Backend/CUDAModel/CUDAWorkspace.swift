import CUDA

/// The device buffers of one forward pass of up to `rows` positions from an empty cache, kept from
/// one window to the next; with the rotary tables of positions `0..<rows`.
struct CUDAWorkspace {
    let rows: Int
    /// The residual stream, `rows × hiddenSize`.
    let hidden: DeviceBuffer
    /// Norm outputs and sublayer outputs, `rows × hiddenSize`.
    let normed: DeviceBuffer
    /// `[q | k | v]` rows.
    let queryKeyValue: DeviceBuffer
    /// Keys and values packed as the attention kernel reads them, `rows × keyValueWidth` each.
    let keys: DeviceBuffer
    let values: DeviceBuffer
    /// Attention's output, `rows × queryWidth`.
    let attention: DeviceBuffer
    /// `[gate | up]` rows and their gated product.
    let gateUp: DeviceBuffer
    let activated: DeviceBuffer
    /// A projection's rounded input, `rows ×` the widest input.
    let rounded: DeviceBuffer
    /// `rows × vocabularySize` logits.
    let logits: DeviceBuffer
    /// cos and sin of positions `0..<rows`, `rotaryDim / 2` per position.
    let cosines: DeviceBuffer
    let sines: DeviceBuffer

    init(spec: DecoderSpec, rotary: RotaryEmbedding, rows: Int, context: CUDAContext) throws(CUDAError) {
        self.rows = rows
        let floats = { (count: Int) throws(CUDAError) -> DeviceBuffer in try context.buffer(bytes: 4 * rows * count) }
        hidden = try floats(spec.hiddenSize)
        normed = try floats(spec.hiddenSize)
        queryKeyValue = try floats(spec.queryWidth + 2 * spec.keyValueWidth)
        keys = try floats(spec.keyValueWidth)
        values = try floats(spec.keyValueWidth)
        attention = try floats(spec.queryWidth)
        gateUp = try floats(2 * spec.intermediateSize)
        activated = try floats(spec.intermediateSize)
        rounded = try floats(max(spec.hiddenSize, spec.queryWidth, spec.intermediateSize))
        logits = try floats(spec.vocabularySize)
        let tables = rotary.tables(start: 0, count: rows)
        cosines = try context.buffer(tables.cos)
        sines = try context.buffer(tables.sin)
    }
}
