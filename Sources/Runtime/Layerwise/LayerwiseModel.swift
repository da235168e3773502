import Checkpoint

/// A decoder model opened for layer-by-layer work, as calibration needs it: one block's weights
/// in memory at a time, whatever the model's size.
///
/// Calibration embeds its samples once (``embed(_:)``), then for each block loads it
/// (``block(_:replacing:)``), runs the samples' hidden states through it, a batch of samples at a
/// time, with a ``LayerTap`` (``run(_:samples:batch:tap:)``), changes weights, and runs the samples
/// again through the changed block to get the next block's inputs.
///
/// Tensor names are the checkpoint's. In a mixture of experts, the tap decides whether each expert
/// is seen on every token or on its routed tokens (``LayerTap/calibratesEveryExpert``). In latent
/// attention, the tap sees what each of its projections reads (``LayerSite/latentQuery``,
/// ``LayerSite/latentKeyValue``, the heads' values at ``LayerSite/attentionOutput``) and the
/// compressed latent its KV cache holds (``LayerSite/keys``, ``LayerSite/values``).
public final class LayerwiseModel: @unchecked Sendable {
    public let spec: DecoderSpec
    private let weights: WeightStore
    private let forward: BlockForward
    /// The buffers of the last forward pass, which the next reuses.
    private let workspaces = WorkspaceCache()

    /// Opens `checkpoint` (its config.json and headers are already read) and reads it through its
    /// own mappings, so that what the caller does with them
    /// (`Checkpoint.release`, checks before reading, a SIGBUS handler over the shards) covers the
    /// weights calibration reads too.
    /// - Parameters:
    ///   - threads: compute threads (kernels and OpenBLAS); nil for one per core.
    ///   - bf16Products: what the dense layers whose weights are stored in bf16 multiply:
    ///     ``DenseLinear/Products/bfloat16`` computes them as the bf16 model does (their weights
    ///     as calibration changes them rounded to bf16 too), `.float32` in f32.
    public init(checkpoint: Checkpoint, threads: Int? = nil, bf16Products: DenseLinear.Products = .float32) throws(RuntimeError) {
        ComputeThreads.configure(threads)
        var (spec, weights) = try DecoderModel.open(checkpoint)
        weights.bf16Products = bf16Products
        self.spec = spec
        self.weights = weights
        forward = BlockForward(spec: spec, rotary: spec.rotary)
    }

    /// A block ready to run: its weights in f32.
    public struct Block {
        let layer: DecoderLayer
        /// The block's index in the model.
        public let index: Int
    }

    /// The hidden states entering block 0 for each sample, widening only the embedding table's
    /// rows of the samples' tokens.
    public func embed(samples: [[Int]]) throws(RuntimeError) -> [[Float]] {
        let width = spec.hiddenSize
        let name = spec.architecture.layout.embedding + ".weight"
        let scale = spec.embeddingScale ?? 1
        var result: [[Float]] = []
        result.reserveCapacity(samples.count)
        for tokens in samples {
            guard !tokens.isEmpty else { throw .emptyInput }
            if let token = tokens.first(where: { $0 < 0 || $0 >= spec.vocabularySize }) {
                throw .tokenOutOfRange(token: token, vocabularySize: spec.vocabularySize)
            }
            var hidden = try weights.rows(tokens, of: name, shape: [spec.vocabularySize, width])
            if scale != 1 { for i in hidden.indices { hidden[i] *= scale } }
            result.append(hidden)
        }
        if let tensor = weights.tensors[name] { weights.checkpoint.release(tensor) }
        return result
    }

    /// Shows `tap` what the output head reads for each sample whose last block's outputs are
    /// `samples`: the final norm's output (``LayerSite/headInput``), one sample per observation.
    public func observeHeadInput(_ samples: [[Float]], tap: any LayerTap) throws(RuntimeError) {
        let width = spec.hiddenSize
        let norm = try DecoderModel.norm(spec.architecture.layout.finalNorm + ".weight", width: width, spec: spec, weights: weights)
        for sample in samples {
            var normed = [Float](repeating: 0, count: sample.count)
            let rows = sample.count / width
            sample.withUnsafeBufferPointer { x in normed.withUnsafeMutableBufferPointer { norm.apply(x.baseAddress!, rows: rows, into: $0.baseAddress!) } }
            normed.withUnsafeBufferPointer { tap.observe(.headInput, $0.baseAddress!, rows: rows, width: width, stride: width) }
        }
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

    /// Rows (tokens) that ``batches(_:)`` puts together, unless one sample has more.
    public static let batchRows = 2048

    /// Consecutive runs of `samples` (hidden states of `hiddenSize` values a row) of at most
    /// ``batchRows`` rows each (or one longer sample): what one call of
    /// ``run(_:samples:batch:tap:)`` takes.
    public func batches(_ samples: [[Float]]) -> [Range<Int>] {
        var result: [Range<Int>] = [], start = 0, rows = 0
        for (s, sample) in samples.enumerated() {
            let count = sample.count / spec.hiddenSize
            if s > start, rows + count > Self.batchRows {
                result.append(start..<s)
                start = s
                rows = 0
            }
            rows += count
        }
        if start < samples.count { result.append(start..<samples.count) }
        return result
    }

    /// Runs `block` over the hidden states of `samples[batch]` in place, each as the whole model
    /// would run it alone with an empty KV cache: their rows go through the block's norms and
    /// linear layers together (one product per layer for the batch), each sample attends only to
    /// itself, and `tap` sees each sample's activations on their own, in sample order.
    public func run(_ block: Block, samples: inout [[Float]], batch: Range<Int>, tap: (any LayerTap)? = nil) {
        let width = spec.hiddenSize
        let lengths = batch.map { samples[$0].count / width }
        let rows = lengths.reduce(0, +)
        guard rows > 0 else { return }
        let workspace = workspaces.take(spec: spec, rows: rows, past: 0)
        defer { workspaces.keep(workspace) }
        var segments: [BlockForward.Segment] = [], start = 0
        for (s, count) in zip(batch, lengths) {
            samples[s].withUnsafeBufferPointer { (workspace.hidden + start * width).update(from: $0.baseAddress!, count: count * width) }
            segments.append(BlockForward.Segment(rows: start..<(start + count), past: 0,
                                                 cache: KVCache(layers: spec.layerCount, width: spec.keyValueWidth)))
            start += count
        }
        withFirstPositions(lengths.max() ?? 0) { cos, sin in
            forward.run(block.layer, index: block.index, segments: segments, workspace: workspace, cos: cos, sin: sin, tap: tap)
        }
        for (s, segment) in zip(batch, segments) {
            samples[s].withUnsafeMutableBufferPointer {
                $0.baseAddress!.update(from: workspace.hidden + segment.rows.lowerBound * width, count: segment.rows.count * width)
            }
        }
    }

    /// Frees the buffers the forward passes keep for the next one (before work that needs the
    /// memory more, such as solving a block's layers).
    public func releaseWorkspace() { workspaces.empty() }

    /// A part of a block that can run on its own (what AWQ compares before and after scaling).
    public enum Part: Sendable, Equatable {
        /// The attention module: normed input to the output projection's result.
        case attention
        /// The MLP (a mixture with its router and shared expert): normed input to its output.
        case feedForward
        /// The output projection alone.
        case outputProjection
        /// The down projection alone.
        case downProjection
        /// Latent attention's `q_b_proj` alone.
        case latentQueryUp
        /// Latent attention's `kv_b_proj` alone.
        case latentKeyValueUp
        /// Expert `e`'s down projection alone.
        case expertDownProjection(Int)
        /// The shared expert's down projection alone.
        case sharedExpertDownProjection

        /// The site whose activations are the part's input.
        public var inputSite: LayerSite {
            switch self {
            case .attention: return .attentionInput
            case .feedForward: return .feedForwardInput
            case .outputProjection: return .attentionOutput
            case .downProjection: return .feedForwardInner
            case .latentQueryUp: return .latentQuery
            case .latentKeyValueUp: return .latentKeyValue
            case let .expertDownProjection(e): return .expertInner(e)
            case .sharedExpertDownProjection: return .sharedExpertInner
            }
        }
    }

    /// Runs `part` of `block` on one sample's `rows` input rows (as its ``Part/inputSite`` holds
    /// them, contiguous) and returns its output (`rows × hiddenSize` for the attention and the
    /// MLP, `rows ×` the projection's output features for a projection alone; empty for a
    /// projection the block does not have).
    public func run(_ part: Part, of block: Block, input: UnsafePointer<Float>, rows: Int) -> [Float] {
        if let projection = Self.projection(part, of: block.layer) {
            var output = [Float](repeating: 0, count: rows * projection.outputFeatures)
            guard rows > 0 else { return output }
            output.withUnsafeMutableBufferPointer { projection.apply(input, rows: rows, into: $0.baseAddress!) }
            return output
        }
        let hiddenSize = spec.hiddenSize
        var output = [Float](repeating: 0, count: rows * hiddenSize)
        guard rows > 0 else { return output }
        let workspace = workspaces.take(spec: spec, rows: rows, past: 0)
        defer { workspaces.keep(workspace) }
        switch part {
        case .attention:
            workspace.normed.update(from: input, count: rows * hiddenSize)
            let segment = BlockForward.Segment(rows: 0..<rows, past: 0, cache: KVCache(layers: spec.layerCount, width: spec.keyValueWidth))
            withFirstPositions(rows) { cos, sin in
                forward.attention(block.layer, index: block.index, segments: [segment], workspace: workspace, cos: cos, sin: sin, tap: nil)
            }
        case .feedForward:
            workspace.normed.update(from: input, count: rows * hiddenSize)
            forward.feedForward(block.layer, sequences: [0..<rows], workspace: workspace, tap: nil)
        default:
            return []
        }
        output.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: workspace.normed, count: rows * hiddenSize) }
        return output
    }

    /// The one projection `part` runs, or nil for the attention and the MLP (and for a
    /// projection `layer` does not have).
    private static func projection(_ part: Part, of layer: DecoderLayer) -> (any Linear)? {
        let latent = layer.queryKeyValue as? LatentAttentionProjections
        switch (part, layer.feedForward) {
        case (.attention, _), (.feedForward, _):
            return nil
        case (.outputProjection, _):
            // Latent attention's `o_proj` reads the heads' values without their slots' padding.
            return (layer.output as? LatentAttentionOutput)?.projection ?? layer.output
        case let (.downProjection, .dense(_, down)):
            return down
        case (.latentQueryUp, _):
            guard case let .lowRank(_, _, up)? = latent?.query else { return nil }
            return up
        case (.latentKeyValueUp, _):
            return latent?.keyValueUp
        case let (.expertDownProjection(e), .mixture(mixture)):
            return mixture.experts.indices.contains(e) ? mixture.experts[e].down : nil
        case let (.sharedExpertDownProjection, .mixture(mixture)):
            return mixture.shared?.expert.down
        default:
            return nil
        }
    }

    /// Calls `body` with the rotary tables of positions `0..<rows`: samples run from their start.
    private func withFirstPositions(_ rows: Int, _ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> Void) {
        var (cosines, sines) = forward.rotary.tables(start: 0, count: rows)
        cosines.withUnsafeMutableBufferPointer { c in
            sines.withUnsafeMutableBufferPointer { s in body(c.baseAddress!, s.baseAddress!) }
        }
    }
}
