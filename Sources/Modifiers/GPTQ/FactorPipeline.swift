import Foundation
import Runtime

/// The factored Hessians of one block's GPTQ layers, made on a thread of their own in the order
/// the layers are solved in. Factoring is LAPACK on one thread (``InverseHessianFactor``), so
/// while the solves of the first layers use the compute threads, the factors of the later ones
/// (the largest, `down_proj`'s, last) are made beside them. Each factor is made once, however
/// many layers share it, and is the same whichever thread makes it.
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
    private var running = true

    /// Starts making the factors of `jobs` (distinct keys, in the order they will be asked
    /// for) from `hessians` (one per job's site), dampened by `dampeningFrac`.
    init(jobs: [Job], hessians: [LayerSite: [Float]], dampeningFrac: Double) {
        var byKey: [Key: [Float]] = [:]
        for job in jobs { byKey[job.key] = hessians[job.key.site] }
        self.hessians = byKey
        let thread = Thread { [self] in make(jobs, dampeningFrac: dampeningFrac) }
        thread.name = "GPTQ factors"
        thread.start()
    }

    /// The factor of `key` (one of the jobs'), waiting until it is made; rethrows its error.
    func factored(_ key: Key) throws(ModifierError) -> FactoredHessian {
        condition.lock()
        defer { condition.unlock() }
        while made[key] == nil {
            precondition(running, "no factor was made for \(key)")
            condition.wait()
        }
        return try made[key]!.get()
    }

    /// Stops making factors not yet started, and returns once the thread has ended: no work is
    /// left behind when a block ends early (an error, a cancellation).
    func finish() {
        condition.lock()
        stopped = true
        while running { condition.wait() }
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
        running = false
        condition.broadcast()
        condition.unlock()
    }
}
