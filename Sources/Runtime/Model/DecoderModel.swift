/// A decoder-only transformer held in f32, run on the CPU: token embedding, a stack of
/// ``DecoderSpec``-described blocks, a final norm and the output head.
///
/// Load one with ``init(directory:threads:)``; run it with ``forward(_:cache:logits:)``, a
/// whole prompt at once and then one token at a time with the same ``KVCache``.
public final class DecoderModel: @unchecked Sendable {
    public let spec: DecoderSpec
    /// `vocabularySize × hiddenSize`, row-major.
    let embedding: [Float]
    let layers: [DecoderLayer]
    let finalNorm: RMSNorm
    let head: any Linear
    let rotary: RotaryEmbedding
    /// The scratch buffers of the last forward pass, reused by the next one that fits in them.
    private let workspaces = WorkspaceCache()

    init(spec: DecoderSpec, embedding: [Float], layers: [DecoderLayer], finalNorm: RMSNorm, head: any Linear) {
        self.spec = spec
        self.embedding = embedding
        self.layers = layers
        self.finalNorm = finalNorm
        self.head = head
        rotary = spec.rotary
    }

    /// The number of logits per position.
    public var vocabularySize: Int { spec.vocabularySize }

    /// An empty cache for this model, with memory reserved for `capacity` positions.
    public func makeCache(capacity: Int = 0) -> KVCache {
        KVCache(layers: spec.layerCount, width: spec.keyValueWidth, capacity: capacity)
    }

    /// Which positions ``forward(_:cache:logits:)`` returns logits for.
    public enum LogitRows: Sendable, Equatable {
        /// Every input position (scoring).
        case all
        /// Only the last one (generation), which skips the output head for the others.
        case last
        /// The input positions from this one on (scoring only part of a window), which skips the
        /// output head for those before it.
        case from(Int)

        /// The first position of `count` inputs whose logits are returned.
        func first(of count: Int) -> Int {
            switch self {
            case .all: return 0
            case .last: return count - 1
            case let .from(position): return Swift.min(Swift.max(position, 0), count - 1)
            }
        }
    }

    /// Runs `tokens` at the positions after those already in `cache`, appends their keys and
    /// values to it, and returns the logits: `tokens.count × vocabularySize` for `.all`, one row
    /// for `.last`, the rows from `position` on (at least the last) for `.from(position)`.
    ///
    /// - Throws: ``RuntimeError/emptyInput``, ``RuntimeError/tokenOutOfRange(token:vocabularySize:)``,
    ///   or ``RuntimeError/invalidArgument(_:)`` for a cache made for another model.
    /// - Complexity: O(n·(P + (c+n)·d)) for `n` tokens, `P` parameters and `c` cached positions.
    public func forward(_ tokens: [Int], cache: KVCache, logits rows: LogitRows = .all) throws(RuntimeError) -> Matrix {
        try check(tokens, cache: cache)
        return Matrix(rows: tokens.count - rows.first(of: tokens.count), columns: spec.vocabularySize) { logits in
            run(tokens, cache: cache, logits: rows, into: logits)
        }
    }

    /// ``forward(_:cache:logits:)`` writing the logits to `logits` (room for as many rows of
    /// vocabularySize values as it returns) rather than to a new matrix, so
    /// that scoring window after window reuses one buffer.
    func forward(_ tokens: [Int], cache: KVCache, logits rows: LogitRows, into logits: UnsafeMutablePointer<Float>) throws(RuntimeError) {
        try check(tokens, cache: cache)
        run(tokens, cache: cache, logits: rows, into: logits)
    }

    /// Throws what ``forward(_:cache:logits:)`` throws for `tokens` and `cache`.
    private func check(_ tokens: [Int], cache: KVCache) throws(RuntimeError) {
        try check(tokens)
        guard cache.width == spec.keyValueWidth, cache.keys.count == layers.count else {
            throw .invalidArgument("the KV cache was made for a different model")
        }
    }

    /// Throws ``RuntimeError/emptyInput`` or ``RuntimeError/tokenOutOfRange(token:vocabularySize:)``
    /// for `tokens` the model cannot embed.
    func check(_ tokens: [Int]) throws(RuntimeError) {
        guard !tokens.isEmpty else { throw .emptyInput }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= spec.vocabularySize }) {
            throw .tokenOutOfRange(token: bad, vocabularySize: spec.vocabularySize)
        }
    }

    /// The forward pass of checked input, in the kept workspace when it fits.
    private func run(_ tokens: [Int], cache: KVCache, logits rows: LogitRows, into logits: UnsafeMutablePointer<Float>) {
        let n = tokens.count
        let past = cache.count
        let workspace = workspaces.take(spec: spec, rows: n, past: past)
        defer { workspaces.keep(workspace) }

        embed(tokens, into: workspace.hidden)
        let first = rows.first(of: n)
        runBlocks([BlockForward.Segment(rows: 0..<n, past: past, cache: cache)], keepingFrom: first, workspace: workspace)
        applyHead(workspace.hidden, rows: n - first, workspace: workspace, into: logits)
    }

    /// Runs every block over `segments` (of one length and one count of cached positions, their
    /// embeddings in `workspace.hidden`) and advances their caches. The last block brings only each
    /// segment's rows from `first` on past its attention (the others take no logits), packed to the
    /// front of `workspace.hidden`.
    private func runBlocks(_ segments: [BlockForward.Segment], keepingFrom first: Int, workspace: Workspace) {
        guard let shape = segments.first else { return }
        var (cosines, sines) = rotary.tables(start: shape.past, count: shape.rows.count)
        let block = BlockForward(spec: spec, rotary: rotary)
        cosines.withUnsafeMutableBufferPointer { c in
            sines.withUnsafeMutableBufferPointer { s in
                for l in layers.indices {
                    block.run(layers[l], index: l, segments: segments, workspace: workspace, cos: c.baseAddress!, sin: s.baseAddress!,
                              tap: nil, kept: l == layers.count - 1 ? first : 0)
                }
            }
        }
        for segment in segments { segment.cache.advance(by: segment.rows.count) }
    }

    /// The logits of `rows` final hidden states: the final norm (into `workspace.normed`), the
    /// output head and its soft cap.
    private func applyHead(_ hidden: UnsafePointer<Float>, rows: Int, workspace: Workspace, into logits: UnsafeMutablePointer<Float>) {
        finalNorm.apply(hidden, rows: rows, into: workspace.normed)
        head.apply(workspace.normed, rows: rows, into: logits)
        if let cap = spec.finalLogitSoftcap {
            VectorMath.softcap(logits, count: rows * spec.vocabularySize, cap: cap)
        }
    }

    /// Scores equal-length `windows` at once, each from its own cache in `caches` (cleared first):
    /// their rows go through each block together, as many products as for one window, and each
    /// window attends only to itself. Window `j`'s logits from position `first` on (0 ≤ `first` <
    /// the windows' length) are written to `logits` and handed to `body(j)` before the next
    /// window's overwrite them.
    ///
    /// - Throws: as ``forward(_:cache:logits:)``, or what `body` throws.
    func score(
        _ windows: [[Int]], caches: [KVCache], from first: Int, into logits: UnsafeMutablePointer<Float>,
        each body: (Int) throws(RuntimeError) -> Void
    ) throws(RuntimeError) {
        guard let n = windows.first?.count, windows.count == caches.count, windows.allSatisfy({ $0.count == n }), (0..<n).contains(first) else {
            throw .invalidArgument("windows to score together need a cache each and the same length, past the first scored position (\(first))")
        }
        for (window, cache) in zip(windows, caches) {
            cache.clear()
            try check(window, cache: cache)
        }
        let hiddenSize = spec.hiddenSize
        let workspace = workspaces.take(spec: spec, rows: n * windows.count, past: 0)
        defer { workspaces.keep(workspace) }
        let segments = caches.enumerated().map { j, cache in BlockForward.Segment(rows: j * n..<(j + 1) * n, past: 0, cache: cache) }
        for (j, window) in windows.enumerated() { embed(window, into: workspace.hidden + j * n * hiddenSize) }
        runBlocks(segments, keepingFrom: first, workspace: workspace)
        let count = n - first
        for j in windows.indices {
            applyHead(workspace.hidden + j * count * hiddenSize, rows: count, workspace: workspace, into: logits)
            try body(j)
        }
    }

    /// Writes the (scaled) embedding rows of `tokens` into `hidden`.
    func embed(_ tokens: [Int], into hidden: UnsafeMutablePointer<Float>) {
        let width = spec.hiddenSize
        embedding.withUnsafeBufferPointer { table in
            for (r, token) in tokens.enumerated() {
                (hidden + r * width).update(from: table.baseAddress! + token * width, count: width)
                if let scale = spec.embeddingScale { VectorMath.scale(hidden + r * width, count: width, by: scale) }
            }
        }
    }
}
