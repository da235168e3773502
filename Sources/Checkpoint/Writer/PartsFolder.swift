import Foundation
import JSON

/// The folder that the processes of a split run share: hidden, beside the output, named after it
/// (`.NAME.parts`), so that independent processes (CI matrix jobs, Kubernetes indexed jobs, MPI
/// ranks) find it from the output path alone. Each part writes its shards into it (`PartOutput`)
/// and a record of how it ended (`PartRecord`); the process that finishes the output checks the
/// records (`status`), moves the shards into the output's temporary folder and removes this one.
public final class PartsFolder {
    public let destination: String
    /// The output as the user wrote it, for messages.
    public let named: String
    public let path: String

    /// Suffix of the folder's name after the output's.
    public static let suffix = ".parts"

    /// The parts folder of `destination`.
    public static func path(for destination: String) -> String {
        let url = URL(fileURLWithPath: destination).standardizedFileURL
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + suffix
    }

    /// Opens the parts folder of `destination`, creating it (and the destination's missing
    /// parents) when `create`. The output is checked as `OutputFolder` checks it: never one of
    /// `inputs`, and an existing one only when it may be replaced, so that a part fails at once
    /// rather than at the end.
    public init(destination: String, inputs: [RunInput], overwrite: Bool, create: Bool) throws(CheckpointError) {
        self.destination = URL(fileURLWithPath: destination).standardizedFileURL.path
        named = destination
        path = Self.path(for: destination)
        let createdParents = create ? try OutputFolder.createParents(of: destination, inputs: inputs) : []
        if let refusal = ReplaceableOutput.refusal(self.destination, overwrite: overwrite) {
            ParentFolders.remove(createdParents)
            throw .outputFailed(path: destination, reason: refusal)
        }
        if create, mkdir(path, 0o755) != 0, errno != EEXIST {
            let reason = String(cString: strerror(errno))
            ParentFolders.remove(createdParents)
            throw .outputFailed(path: path, reason: "cannot create the parts folder: \(reason)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw .outputFailed(path: destination, reason: "cannot finish: no part is written (\(path) does not exist)")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .outputFailed(path: path, reason: "the parts folder is not a folder; remove it")
        }
    }

    /// Whether the folder is still there (the finishing process removes it).
    public var exists: Bool { FolderPaths.exists(path) }

    /// Where the record of `part` lies.
    func recordPath(part: Int) -> String { path + "/" + PartRecord.fileName(part: part) }

    /// The records present, by part.
    public func records() throws(CheckpointError) -> [Int: PartRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var records: [Int: PartRecord] = [:]
        for name in names where name.hasPrefix("part-") && name.hasSuffix(".json") {
            let file = path + "/" + name
            guard let data = FileManager.default.contents(atPath: file),
                  let json = try? data.withUnsafeBytes({ try JSONParser.parse($0) }), let record = PartRecord(json: json),
                  name == PartRecord.fileName(part: record.part) else {
                throw .outputFailed(path: file, reason: "is not a part record of compress; remove the parts folder to start again")
            }
            records[record.part] = record
        }
        return records
    }

    /// Where a split run of `count` parts from `plan` stands.
    public enum Status: Equatable {
        /// Every part is written, and its shards are there at their recorded sizes.
        case complete
        /// These parts (from 1) are not written yet.
        case missing([Int])
        case failed(PartRecord)
    }

    /// Where the parts stand: a failed part first, then missing ones. Throws, naming the first,
    /// when a part comes from another plan or another number of parts, or a shard it recorded is
    /// not there at its size.
    public func status(count: Int, plan: [PartRecord.Component]) throws(CheckpointError) -> Status {
        let records = try records()
        for part in records.keys.sorted() {
            guard let record = records[part] else { continue }
            if case .failed = record.outcome { return .failed(record) }
        }
        for part in records.keys.sorted() {
            if let mismatch = records[part]?.mismatch(count: count, plan: plan) {
                throw .outputFailed(path: named, reason: "cannot finish: \(mismatch); remove \(path) to start again")
            }
        }
        let missing = (1...count).filter { records[$0] == nil }
        if !missing.isEmpty { return .missing(missing) }
        for record in records.values {
            guard case let .written(written) = record.outcome else { continue }
            for (name, size) in written {
                var info = stat()
                guard lstat(path + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) == size else {
                    throw .outputFailed(path: path + "/" + name, reason: "shard of \(record.who) is missing or not of its recorded size \(size)")
                }
            }
        }
        return .complete
    }

    /// Moves the shards `names` into `folder` (an output's temporary folder, on the same file system).
    public func moveShards(_ names: [String], into folder: String) throws(CheckpointError) {
        try move(names, from: path, to: folder)
    }

    /// Renames the files `names` of the folder `source` into the folder `target`.
    func move(_ names: [String], from source: String, to target: String) throws(CheckpointError) {
        for name in names where rename(source + "/" + name, target + "/" + name) != 0 {
            throw .outputFailed(path: source + "/" + name, reason: "cannot move the shard to \(target): \(String(cString: strerror(errno)))")
        }
    }

    /// Records that `part` of `count` of the split run writing `destination` failed with `error`
    /// before it could start writing (the model could not be read, the part was refused), so that
    /// the process finishing the output reports it instead of waiting. The parts folder is never
    /// created here: the record waits up to `timeout` seconds for the finishing process to create
    /// it (``awaitFolder(destination:timeout:)``), so that a part failing after that process gave
    /// up and removed the folder leaves nothing behind. Nothing is recorded where it cannot be,
    /// nor over a record the part has already.
    public static func recordFailure(destination: String, part: Int, count: Int, rank: Int?, error: String, waitingUpTo timeout: Double) {
        guard awaitFolder(destination: destination, timeout: timeout) else { return }
        let folder = try? PartsFolder(destination: destination, inputs: [], overwrite: true, create: false)
        guard let folder, access(folder.recordPath(part: part), F_OK) != 0 else { return }
        try? folder.write(PartRecord(part: part, count: count, rank: rank, plan: [], outcome: .failed(error)))
    }

    /// Whether the parts folder of `destination` exists, looking again every 200 ms for up to
    /// `timeout` seconds while it does not: how the processes of a launcher other than the one
    /// that finishes the output wait for that one to create it.
    public static func awaitFolder(destination: String, timeout: Double) -> Bool {
        let path = path(for: destination), deadline = Date().addingTimeInterval(timeout)
        while !FolderPaths.exists(path) {
            guard Date() < deadline else { return false }
            usleep(200_000)
        }
        return true
    }

    /// Removes the parts folder of `destination`, whatever it holds.
    public static func remove(destination: String) {
        try? FileManager.default.removeItem(atPath: path(for: destination))
    }

    /// Removes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `record` in place of `part`'s record, whole or not at all (a temporary file renamed).
    func write(_ record: PartRecord) throws(CheckpointError) {
        let target = recordPath(part: record.part)
        let temporary = target + ".\(getpid()).tmp"
        let sink = try FileSink(path: temporary)
        try sink.write(Array((JSONWriter.pretty(record.json) + "\n").utf8))
        try sink.close()
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw .outputFailed(path: target, reason: String(cString: strerror(errno)))
        }
    }
}
