import Foundation
@testable import Modifiers

/// Ranks as threads of the test process, meeting in memory: what `MPIReducer` does over MPI, for
/// tests of calibration split over ranks that need no MPI.
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [[UInt8]]
    private var arrived = 0
    private var round = 0
    private var completed: [[UInt8]] = []

    init(size: Int) {
        self.size = size
        slots = Array(repeating: [], count: size)
    }

    /// Every rank's bytes of one collective, in rank order, once every rank has given its own.
    func exchange(rank: Int, _ bytes: [UInt8]) -> [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        slots[rank] = bytes
        arrived += 1
        if arrived == size {
            completed = slots
            arrived = 0
            round += 1
            condition.broadcast()
        } else {
            let mine = round
            while round == mine { condition.wait() }
        }
        return completed
    }

    /// The reducer of rank `rank`.
    func rank(_ rank: Int) -> Rank { Rank(rank: rank, ranks: self) }

    final class Rank: StatisticsReducer, @unchecked Sendable {
        let rank: Int
        let ranks: ThreadRanks
        init(rank: Int, ranks: ThreadRanks) {
            self.rank = rank
            self.ranks = ranks
        }
        var size: Int { ranks.size }
        func allGather(_ bytes: [UInt8]) throws(ModifierError) -> [[UInt8]] { ranks.exchange(rank: rank, bytes) }
        func gather(_ bytes: [UInt8], root: Int) throws(ModifierError) -> [[UInt8]] {
            let all = ranks.exchange(rank: rank, bytes)
            return rank == root ? all : []
        }
        func broadcast(_ bytes: [UInt8], root: Int) throws(ModifierError) -> [UInt8] {
            ranks.exchange(rank: rank, rank == root ? bytes : [])[root]
        }
    }

    /// Runs `body(rank)` on a thread per rank and waits for all; the errors thrown, by rank.
    func run(_ body: @escaping @Sendable (Rank) throws -> Void) -> [Int: String] {
        let done = DispatchSemaphore(value: 0)
        let errors = ErrorsByRank()
        for r in 0..<size {
            let reducer = rank(r)
            let thread = Thread {
                do { try body(reducer) } catch { errors.record(r, "\(error)") }
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        for _ in 0..<size { done.wait() }
        return errors.all
    }

    private final class ErrorsByRank: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [Int: String] = [:]
        func record(_ rank: Int, _ message: String) { lock.withLock { errors[rank] = message } }
        var all: [Int: String] { lock.withLock { errors } }
    }
}
