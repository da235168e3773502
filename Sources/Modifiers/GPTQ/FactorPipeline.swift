import Foundation
import Runtime

/// The factored Hessians of one block's GPTQ layers, made on threads of their own beside the
/// solves. Factoring is LAPACK on one thread (``InverseHessianFactor``) and costs the cube of a
/// Hessian's columns, so the largest factor (`down_proj`'s: 5632 columns against 2048 on a 1.1B
/// Llama, twenty times the work) is started at once on a thread of its own, and the others are
/// made one after the other on a second thread in the order the layers are solved in: the first
/// solves start after the first small factor, and the largest is ready about when its layer's turn
/// comes instead of after every other factor. Each factor is made once, however many layers share
/// it, and is the same whichever thread makes it.
final class FactorPipeline: @unchecked Sendable {
    /// What a factor depends on besides the dampening: the Hessian and the column order.
    struct Key: Hashable, Sendable {
        let site: LayerSite
        let ordering: GPTQActivationOrdering
    }

    /// One factor to make: its key, its Hessian's columns, and the first layer reading it (named in errors).
    struct Job: Sendable {
        let key: Key
        let columns: Int
        let tensor: String
    }

    private let condition = NSCondition()
    private var hessians: [Key: [Float]]
    private var made: [Key: Result<FactoredHessian, ModifierError>] = [:]
    private var stopped = false
    private var running: Int

    /// Starts making the factors of `jobs` (distinct keys, in the order they will be asked
    /// for) from `hessians` (one per job's site), dampened by `dampeningFrac`.
    init(jobs: [Job], hessians: [LayerSite: [Float]], dampeningFrac: Double) {
        var byKey: [Key: [Float]] = [:]
        for job in jobs { byKey[job.key] = hessians[job.key.site] }
        self.hessians = byKey
        let lanes = Self.lanes(jobs)
        running = lanes.count
        for (i, lane) in lanes.enumerated() {
            let thread = Thread { [self] in make(lane, dampeningFrac: dampeningFrac) }
            thread.name = "GPTQ factors \(i)"
            thread.start()
        }
    }

    /// The jobs of each factor thread: with two jobs or more, the one with the most columns (the
    /// last of them on a tie) alone, and the others in order.
    static func lanes(_ jobs: [Job]) -> [[Job]] {
        guard jobs.count > 1, let most = jobs.map(\.columns).max(), let largest = jobs.lastIndex(where: { $0.columns == most }) else {
            return [jobs]
        }
        var others = jobs
        return [[others.remove(at: largest)], others]
    }

    /// The factor of `key` (one of the jobs'), waiting until it is made; rethrows its error.
    func factored(_ key: Key) throws(ModifierError) -> FactoredHessian {
        condition.lock()
        defer { condition.unlock() }
        while made[key] == nil {
            precondition(running > 0, "no factor was made for \(key)")
            condition.wait()
        }
        return try made[key]!.get()
    }

    /// Stops making factors not yet started, and returns once the threads have ended: no work is
    /// left behind when a block ends early (an error, a cancellation).
    func finish() {
        condition.lock()
        stopped = true
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func make(_ jobs: [Job], dampeningFrac: Double) {
        for job in jobs {
            condition.lock()
            let (stop, hessian) = (stopped, hessians.removeValue(forKey: job.key))
            condition.unlock()
            if stop { break }
            guard let hessian else { continue }
            let result = Result { () throws(ModifierError) -> FactoredHessian in
                try FactoredHessian(hessian: hessian, columns: job.columns, ordering: job.key.ordering,
                                    dampeningFrac: dampeningFrac, tensor: job.tensor)
            }
            condition.lock()
            made[job.key] = result
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
