import Foundation
import JSON

/// What one process of a split run leaves in the parts folder (`PartsFolder`) when its part ends:
/// the shards it wrote, or the error that stopped it, with the plan it worked from, so that the
/// process that finishes the output can tell a complete set of parts from a mixed one.
public struct PartRecord: Equatable, Sendable {
    /// One named ingredient of a plan (the recipe, the model, the shard layout...) and its digest.
    public struct Component: Equatable, Sendable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public enum Outcome: Equatable, Sendable {
        /// The shards written, with their sizes in bytes.
        case written([String: Int])
        case failed(String)
    }

    /// The part, numbered from 1, and the number of parts.
    public let part: Int
    public let count: Int
    /// The MPI rank that wrote it, under an MPI launcher.
    public let rank: Int?
    public let host: String
    public let pid: Int
    public let plan: [Component]
    public let outcome: Outcome

    public init(part: Int, count: Int, rank: Int?, host: String = PartRecord.hostName, pid: Int = Int(getpid()),
                plan: [Component], outcome: Outcome) {
        self.part = part
        self.count = count
        self.rank = rank
        self.host = host
        self.pid = pid
        self.plan = plan
        self.outcome = outcome
    }

    public var hasFailed: Bool { failure != nil }

    /// The record's file name in the parts folder.
    public static func fileName(part: Int) -> String { "part-\(part).json" }

    /// This machine's name.
    public static var hostName: String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "unknown host" }
        return String(cString: name)
    }

    /// "part 2/3 (rank 1, host h, pid 42)": who wrote it, for messages.
    public var who: String {
        "part \(part)/\(count) (\(rank.map { "rank \($0), " } ?? "")host \(host), pid \(pid))"
    }

    /// "part 2/3 (rank 1, host h, pid 42) failed: ERROR" for a failed part, else nil.
    public var failure: String? {
        guard case let .failed(error) = outcome else { return nil }
        return "\(who) failed: \(error)"
    }

    /// Why a set of parts holding this one and one of `plan` for `count` parts cannot make one
    /// output, or nil when they can.
    public func mismatch(count: Int, plan: [Component]) -> String? {
        if count != self.count { return "\(who) was written for \(self.count) parts, not \(count)" }
        for (mine, theirs) in zip(self.plan, plan) where mine != theirs {
            return "\(who) was written from another plan (its \(mine.name) differs)"
        }
        return self.plan.count == plan.count ? nil : "\(who) was written from another plan (by another version of compress)"
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("part", .integer(Int64(part))), ("count", .integer(Int64(count))),
            ("host", .string(host)), ("pid", .integer(Int64(pid))),
        ]
        if let rank { members.append(("rank", .integer(Int64(rank)))) }
        members.append(("plan", .object(JSONObject(plan.map { ($0.name, .string($0.value)) }))))
        switch outcome {
        case let .written(shards):
            members.append(("shards", .object(JSONObject(shards.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) }))))
        case let .failed(error):
            members.append(("error", .string(error)))
        }
        return .object(JSONObject(members))
    }

    /// Reads a record from its JSON, or nil when it is not one.
    init?(json: JSONValue) {
        guard let part = json["part"]?.integerValue, let count = json["count"]?.integerValue,
              let host = json["host"]?.stringValue, let pid = json["pid"]?.integerValue,
              let plan = json["plan"]?.objectValue else { return nil }
        let components = plan.members.compactMap { member in member.value.stringValue.map { Component(name: member.key, value: $0) } }
        guard components.count == plan.count else { return nil }
        if let shards = json["shards"]?.objectValue {
            var sizes: [String: Int] = [:]
            for (name, size) in shards.members {
                guard let size = size.integerValue else { return nil }
                sizes[name] = Int(size)
            }
            outcome = .written(sizes)
        } else if let error = json["error"]?.stringValue {
            outcome = .failed(error)
        } else {
            return nil
        }
        self.part = Int(part)
        self.count = Int(count)
        self.rank = json["rank"]?.integerValue.map { Int($0) }
        self.host = host
        self.pid = Int(pid)
        self.plan = components
    }
}
