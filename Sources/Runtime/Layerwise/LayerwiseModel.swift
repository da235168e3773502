import Checkpoint

/// A decoder model opened for layer-by-layer work, as calibration needs it: one block's weights
/// in memory at a time, whatever the model's size.
///
/// Calibration embeds its samples once (``embed(_:)``), then for each block loads it
/// (``block(_:replacing:)``), runs every sample's hidden states through it with a ``LayerTap``
/// (``run(_:hidden:rows:tap:)``), changes weights, and runs the samples again through the changed
/// block to get the next block's inputs.
///
/// Tensor names are the checkpoint's. Mixture-of-experts models are refused.
public final class LayerwiseModel: @unchecked Sendable {
    public let spec: DecoderSpec
    private let weights: WeightStore
    private let forward: BlockForward

    /// Opens `checkpoint` (its config.json and headers are already read) and reads it through its
    /// own mappings, so that what the caller does with them
    /// (`Checkpoint.release`, checks before reading, a SIGBUS handler over the shards) covers the
    /// weights calibration reads too.
    /// - Parameter threads: OpenBLAS threads; nil for one per core.
    public init(checkpoint: Checkpoint, threads: Int? = nil) throws(RuntimeError) {
        ComputeThreads.configure(threads)
        let (spec, weights) = try DecoderModel.open(checkpoint)
        guard spec.mixture == nil else {
            throw .invalidArgument("\(checkpoint.directory): layer-by-layer calibration of mixture-of-experts models is not supported yet")
        }
        self.spec = spec
        self.weights = weights
        forward = BlockForward(spec: spec, rotary: RotaryEmbedding(spec.rope, headDim: spec.headDim))
    }

    /// A block ready to run: its weights in f32.
    public struct Block {
        let layer: DecoderLayer
        /// The block's index in the model.
        public let index: Int
    }

    /// The hidden states entering block 0 for each sample, reading the embedding table once.
    public func embed(samples: [[Int]]) throws(RuntimeError) -> [[Float]] {
        let width = spec.hiddenSize
        let name = spec.architecture.layout.embedding + ".weight"
        let table = try weights.floats(name, shape: [spec.vocabularySize, width])
        if let tensor = weights.tensors[name] { weights.checkpoint.release(tensor) }
        let scale = spec.embeddingScale ?? 1
        var result: [[Float]] = []
        result.reserveCapacity(samples.count)
        for tokens in samples {
            guard !tokens.isEmpty else { throw .emptyInput }
            var hidden = [Float](repeating: 0, count: tokens.count * width)
            for (r, token) in tokens.enumerated() {
                guard token >= 0 && token < spec.vocabularySize else {
                    throw .tokenOutOfRange(token: token, vocabularySize: spec.vocabularySize)
                }
                for c in 0..<width { hidden[r * width + c] = table[token * width + c] * scale }
            }
            result.append(hidden)
        }
        return result
    }

    /// The values of tensor `name` widened to f32, with its shape.
    public func floats(_ name: String) throws(RuntimeError) -> (values: [Float], shape: [Int]) {
        guard let tensor = weights.tensors[name] else { throw .missingTensor(name) }
        return (try weights.floats(name, shape: tensor.info.shape), tensor.info.shape)
    }

    /// Block `index` with its weights in f32, `replacing` some of them (by tensor name, each the
    /// tensor's full row-major values) with values calibration has changed.
    public func block(_ index: Int, replacing: [String: [Float]] = [:]) throws(RuntimeError) -> Block {
        guard index >= 0 && index < spec.layerCount else {
            throw .invalidArgument("block \(index) is out of range 0..<\(spec.layerCount)")
        }
        var store = weights
        store.replacements = replacing
        return Block(layer: try DecoderModel.layer(index, spec: spec, weights: store), index: index)
    }

    /// Runs `block` over one sample's `rows` hidden states in place, as the whole model would with
    /// an empty KV cache, calling `tap` with the activations inside.
    public func run(_ block: Block, hidden: UnsafeMutablePointer<Float>, rows: Int, tap: (any LayerTap)? = nil) {
        guard rows > 0 else { return }
        let workspace = Workspace(spec: spec, rows: rows, past: 0)
        defer { workspace.release() }
        workspace.hidden.update(from: hidden, count: rows * spec.hiddenSize)
        withFirstPositions(rows) { cache, cos, sin in
            forward.run(block.layer, index: block.index, rows: rows, past: 0, cache: cache, workspace: workspace,
                        cos: cos, sin: sin, tap: tap)
        }
        hidden.update(from: workspace.hidden, count: rows * spec.hiddenSize)
    }

    /// A part of a block that can run on its own (what AWQ compares before and after scaling).
    public enum Part: Sendable {
        /// The attention module: normed input to the output projection's result.
        case attention
        /// The MLP: normed input to the down projection's result.
        case feedForward
        /// The output projection alone.
        case outputProjection
        /// The down projection alone.
        case downProjection

        /// The site whose activations are the part's input.
        public var inputSite: LayerSite {
            switch self {
            case .attention: return .attentionInput
            case .feedForward: return .feedForwardInput
            case .outputProjection: return .attentionOutput
            case .downProjection: return .feedForwardInner
            }
        }
    }

    /// Runs `part` of `block` on one sample's `rows` input rows (as its ``Part/inputSite`` holds
    /// them, contiguous) and returns its `rows × hiddenSize` output.
    public func run(_ part: Part, of block: Block, input: UnsafePointer<Float>, rows: Int) -> [Float] {
        let hiddenSize = spec.hiddenSize
        var output = [Float](repeating: 0, count: rows * hiddenSize)
        guard rows > 0 else { return output }
        let workspace = Workspace(spec: spec, rows: rows, past: 0)
        defer { workspace.release() }
        switch part {
        case .attention:
            workspace.normed.update(from: input, count: rows * hiddenSize)
            withFirstPositions(rows) { cache, cos, sin in
                forward.attention(block.layer, index: block.index, rows: rows, past: 0, cache: cache, workspace: workspace,
                                  cos: cos, sin: sin, tap: nil)
            }
        case .feedForward:
            workspace.normed.update(from: input, count: rows * hiddenSize)
            forward.feedForward(block.layer, rows: rows, workspace: workspace, tap: nil)
        case .outputProjection:
            block.layer.output.apply(input, rows: rows, into: workspace.normed)
        case .downProjection:
            guard case let .dense(_, down) = block.layer.feedForward else { return output }
            down.apply(input, rows: rows, into: workspace.normed)
        }
        output.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: workspace.normed, count: rows * hiddenSize) }
        return output
    }

    /// Calls `body` with an empty KV cache and the rotary tables of positions `0..<rows`: a sample
    /// run from its start.
    private func withFirstPositions(
        _ rows: Int, _ body: (KVCache, UnsafePointer<Float>, UnsafePointer<Float>) -> Void
    ) {
        let cache = KVCache(layers: spec.layerCount, width: spec.keyValueWidth, capacity: 0)
        var (cosines, sines) = forward.rotary.tables(start: 0, count: rows)
        cosines.withUnsafeMutableBufferPointer { c in
            sines.withUnsafeMutableBufferPointer { s in body(cache, c.baseAddress!, s.baseAddress!) }
        }
    }
}
