import Synchronization

/// The scratch buffers of one forward pass.
struct Workspace {
    let hidden: UnsafeMutablePointer<Float>
    let normed: UnsafeMutablePointer<Float>
    let queryKeyValue: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    /// Attention's scratch: one per compute thread when the workspace was made, the first for
    /// blocks run in turn.
    let attentionScratch: [Attention.Scratch]
    let gateUp: UnsafeMutablePointer<Float>
    let activated: UnsafeMutablePointer<Float>
    /// The positions the buffers hold: `rows` after `past` cached ones (or fewer of either).
    let rows: Int
    let past: Int

    /// Buffers for `rows` positions after `past` cached ones.
    init(spec: DecoderSpec, rows: Int, past: Int) {
        self.rows = rows
        self.past = past
        let sizes = Attention.scratch(
            rows: rows, past: past, headCount: spec.headCount, keyValueHeadCount: spec.keyValueHeadCount, headDim: spec.headDim)
        hidden = .allocate(capacity: rows * spec.hiddenSize)
        normed = .allocate(capacity: rows * Swift.max(spec.hiddenSize, spec.queryWidth))
        queryKeyValue = .allocate(capacity: rows * (spec.queryWidth + 2 * spec.keyValueWidth))
        attention = .allocate(capacity: rows * spec.queryWidth)
        let perWorker = sizes.scores + 2 * sizes.stacked + sizes.values
        let workers = Swift.max(1, ComputeThreads.current)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * perWorker)
        attentionScratch = (0..<workers).map { w in
            let base = scratch + w * perWorker
            return Attention.Scratch(scores: base, stackedQueries: base + sizes.scores, stackedOutput: base + sizes.scores + sizes.stacked,
                                     transposedValues: base + sizes.scores + 2 * sizes.stacked)
        }
        gateUp = .allocate(capacity: rows * 2 * spec.intermediateSize)
        activated = .allocate(capacity: rows * spec.intermediateSize)
    }

    /// Whether the buffers hold `rows` positions after `past` cached ones, with attention scratch
    /// for as many workers as there are compute threads.
    func holds(rows: Int, past: Int) -> Bool {
        rows <= self.rows && past <= self.past && attentionScratch.count >= ComputeThreads.current
    }

    func release() {
        for buffer in [hidden, normed, queryKeyValue, attention, attentionScratch[0].scores, gateUp, activated] {
            buffer.deallocate()
        }
    }
}

/// A workspace kept from one forward pass to the next: calibration runs every block over the same
/// batches, so its buffers are allocated once rather than once a block. Safe to use from several
/// threads (each pass then has a workspace of its own).
final class WorkspaceCache: Sendable {
    private let kept = Mutex<Workspace?>(nil)

    /// The kept workspace when it holds `rows` positions after `past`, else a new one.
    func take(spec: DecoderSpec, rows: Int, past: Int) -> Workspace {
        let workspace = kept.withLock { kept -> Workspace? in
            defer { kept = nil }
            return kept
        }
        if let workspace, workspace.holds(rows: rows, past: past) { return workspace }
        workspace?.release()
        return Workspace(spec: spec, rows: rows, past: past)
    }

    /// Keeps `workspace` for the next ``take(spec:rows:past:)``, releasing the one kept before.
    func keep(_ workspace: Workspace) {
        let previous = kept.withLock { kept -> Workspace? in
            defer { kept = workspace }
            return kept
        }
        previous?.release()
    }

    /// Releases the kept workspace (before work that needs the memory more).
    func empty() {
        kept.withLock { kept -> Workspace? in
            defer { kept = nil }
            return kept
        }?.release()
    }

    deinit { empty() }
}
