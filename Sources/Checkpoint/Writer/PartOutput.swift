import Foundation

/// One part of a split run being written: its shards go into a folder of its own inside the parts
/// folder (`workingPath`), and are moved beside the records when all are complete (`complete`),
/// so that a shard in the parts folder is always whole. For the length of the part a lock file
/// (`part-I.lock`, an `OutputLock`) keeps a second process from writing the same part.
public final class PartOutput {
    public let parts: PartsFolder
    /// The part, from 1, and the number of parts.
    public let part: Int
    public let count: Int
    /// Where this part's shards are written until `complete`.
    public let workingPath: String
    private let rank: Int?
    private let plan: [PartRecord.Component]
    private let lock: OutputLock

    /// Starts writing `part` of `count` in `parts`. Refused, with one line, when another process
    /// is writing the same part, when the part is already written, or when the folder holds parts
    /// of another plan or another number of parts. What a killed run of the same part left (its
    /// unfinished folder, its failure record) is removed.
    public init(parts: PartsFolder, part: Int, count: Int, rank: Int?, plan: [PartRecord.Component]) throws(CheckpointError) {
        self.parts = parts
        self.part = part
        self.count = count
        self.rank = rank
        self.plan = plan
        workingPath = Self.workingPath(parts: parts.path, part: part)
        lock = try OutputLock(path: Self.lockPath(parts: parts.path, part: part), destination: parts.named, subject: "part \(part)/\(count)")
        var ready = false
        defer { if !ready { lock.release() } }
        let records = try parts.records()
        if let own = records[part], case .written = own.outcome {
            let plan = own.mismatch(count: count, plan: plan).map { "; \($0)" } ?? ""
            throw .outputFailed(path: parts.named, reason: "\(own.who) is already written\(plan); remove \(parts.path) to start again")
        }
        for other in records.keys.sorted() where other != part {
            // A failed part is the finishing process's to report.
            if let record = records[other], !record.hasFailed, let mismatch = record.mismatch(count: count, plan: plan) {
                throw .outputFailed(path: parts.named, reason: "\(mismatch); remove \(parts.path) to start again")
            }
        }
        unlink(parts.recordPath(part: part))
        try? FileManager.default.removeItem(atPath: workingPath)
        guard mkdir(workingPath, 0o755) == 0 else {
            throw .outputFailed(path: workingPath, reason: "cannot create the part's folder: \(String(cString: strerror(errno)))")
        }
        ready = true
    }

    deinit { abandon() }

    /// The unfinished folder of `part` in the parts folder `parts`.
    public static func workingPath(parts: String, part: Int) -> String { parts + "/part-\(part).writing" }

    /// The lock file of `part` in the parts folder `parts`.
    public static func lockPath(parts: String, part: Int) -> String { parts + "/part-\(part).lock" }

    /// Moves the shards `names` (written in `workingPath`) beside the records and records the
    /// part as written.
    public func complete(shards names: [String]) throws(CheckpointError) {
        var sizes: [String: Int] = [:]
        for name in names {
            var info = stat()
            guard stat(workingPath + "/" + name, &info) == 0 else {
                throw .outputFailed(path: workingPath + "/" + name, reason: "the part's shard was not written")
            }
            sizes[name] = Int(info.st_size)
        }
        try parts.move(names, from: workingPath, to: parts.path)
        try parts.write(PartRecord(part: part, count: count, rank: rank, plan: plan, outcome: .written(sizes)))
        abandon()
    }

    /// Records the part as failed with `error`, for the process that finishes the output to
    /// report, after removing what it wrote.
    public func fail(_ error: String) {
        abandon()
        try? parts.write(PartRecord(part: part, count: count, rank: rank, plan: plan, outcome: .failed(error)))
    }

    /// Removes the part's unfinished folder and lets the part go.
    private func abandon() {
        try? FileManager.default.removeItem(atPath: workingPath)
        lock.release()
    }
}
