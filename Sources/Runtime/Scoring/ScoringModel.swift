/// A model that gives the logits of every position of a token sequence run from an empty cache:
/// what perplexity needs, whichever backend computes them.
public protocol ScoringModel {
    /// What the model keeps from one window to the next (the CPU's KV cache), so that scoring
    /// many windows allocates once.
    associatedtype WindowState
    /// The number of logits per position.
    var vocabularySize: Int { get }
    /// State for windows of up to `capacity` tokens.
    func makeWindowState(capacity: Int) -> WindowState
    /// Writes `tokens.count × vocabularySize` logits into `logits`, row `i` predicting the token
    /// after `tokens[i]`, run from an empty cache (whatever `state` held before is dropped).
    ///
    /// - Throws: ``RuntimeError/emptyInput``, ``RuntimeError/tokenOutOfRange(token:vocabularySize:)``,
    ///   or the backend's own failure.
    func logits(_ tokens: [Int], state: WindowState, into logits: UnsafeMutablePointer<Float>) throws(RuntimeError)
    /// As ``logits(_:state:into:)`` for the positions from `first` on only (`first <
    /// tokens.count`): `(tokens.count − first) × vocabularySize` logits, row `i` predicting the
    /// token after `tokens[first + i]`. By default all rows are computed and the first dropped.
    func logits(_ tokens: [Int], state: WindowState, from first: Int, into logits: UnsafeMutablePointer<Float>) throws(RuntimeError)
    /// How many windows of `context` tokens ``logits(batch:states:from:into:each:)`` should take
    /// at once. 1 by default.
    func windowsPerBatch(context: Int) -> Int
    /// The logits of equal-length `windows`, each run from its own state in `states`: window `j`'s
    /// rows from position `first` on, as ``logits(_:state:from:into:)`` writes them, are written
    /// to `logits` and handed to `body(j)` before the next window's overwrite them. By default one
    /// window after another.
    func logits(
        batch windows: [[Int]], states: [WindowState], from first: Int, into logits: UnsafeMutablePointer<Float>,
        each body: (Int) throws(RuntimeError) -> Void
    ) throws(RuntimeError)
}

extension ScoringModel {
    /// Every row's logits, the first `first` dropped: for backends whose head runs on every row.
    public func logits(_ tokens: [Int], state: WindowState, from first: Int, into logits: UnsafeMutablePointer<Float>) throws(RuntimeError) {
        guard first > 0 else { return try self.logits(tokens, state: state, into: logits) }
        let all = UnsafeMutablePointer<Float>.allocate(capacity: tokens.count * vocabularySize)
        defer { all.deallocate() }
        try self.logits(tokens, state: state, into: all)
        logits.update(from: all + first * vocabularySize, count: (tokens.count - first) * vocabularySize)
    }

    /// One window at a time.
    public func windowsPerBatch(context: Int) -> Int { 1 }

    /// Each window through ``logits(_:state:from:into:)`` in turn.
    public func logits(
        batch windows: [[Int]], states: [WindowState], from first: Int, into logits: UnsafeMutablePointer<Float>,
        each body: (Int) throws(RuntimeError) -> Void
    ) throws(RuntimeError) {
        for (j, (window, state)) in zip(windows, states).enumerated() {
            try self.logits(window, state: state, from: first, into: logits)
            try body(j)
        }
    }

    /// `tokens.count × vocabularySize` logits of `tokens`, from a new window state.
    ///
    /// - Throws: as ``logits(_:state:into:)``.
    public func logits(_ tokens: [Int]) throws(RuntimeError) -> Matrix {
        var failure: RuntimeError?
        let matrix = Matrix(rows: tokens.count, columns: vocabularySize) { output in
            do throws(RuntimeError) { try logits(tokens, state: makeWindowState(capacity: tokens.count), into: output) } catch { failure = error }
        }
        if let failure { throw failure }
        return matrix
    }
}

extension DecoderModel: ScoringModel {
    /// A KV cache of `capacity` positions.
    public func makeWindowState(capacity: Int) -> KVCache { makeCache(capacity: capacity) }

    /// ``forward(_:cache:logits:)`` from `cache`, cleared first.
    public func logits(_ tokens: [Int], state cache: KVCache, into logits: UnsafeMutablePointer<Float>) throws(RuntimeError) {
        try self.logits(tokens, state: cache, from: 0, into: logits)
    }

    /// ``forward(_:cache:logits:)`` of the positions from `first` on, from `cache`, cleared first:
    /// the output head runs on those rows only.
    public func logits(_ tokens: [Int], state cache: KVCache, from first: Int, into logits: UnsafeMutablePointer<Float>) throws(RuntimeError) {
        cache.clear()
        try forward(tokens, cache: cache, logits: .from(first), into: logits)
    }

    /// As many windows as fill ``scoringBatchRows`` (at least one).
    public func windowsPerBatch(context: Int) -> Int { Swift.max(1, Self.scoringBatchRows / Swift.max(context, 1)) }

    /// Rows of scored windows run through each block together. On SmolLM2-135M (8 × 512 tokens, 2
    /// threads) two windows of 512 scored 2–4% faster than one (the products pack each panel of
    /// weights once for twice the rows), four no faster than one (the MLP's intermediate rows,
    /// 3 × 1536 values each, no longer stay in the 32 MiB L3).
    public static let scoringBatchRows = 1024

    /// The windows' rows through each block together (``score(_:caches:from:into:each:)``).
    public func logits(
        batch windows: [[Int]], states caches: [KVCache], from first: Int, into logits: UnsafeMutablePointer<Float>,
        each body: (Int) throws(RuntimeError) -> Void
    ) throws(RuntimeError) {
        try score(windows, caches: caches, from: first, into: logits, each: body)
    }
}
