/// Which shards of a `ShardPlan` each of the processes of a split run writes: balanced by bytes,
/// the same for every process that computes it from the same plan. Shards are handed out largest
/// first (ties in file order), each to the part holding the fewest bytes so far (ties to the
/// lowest part), and each part writes its shards in file order.
public struct ShardAssignment: Sendable, Equatable {
    /// The shard indices of each part, in file order; parts are numbered from 0 here.
    public let parts: [[Int]]

    /// Splits `plan`'s shards over `count` parts (at least 1); a part may get none when there
    /// are fewer shards than parts.
    public init(plan: ShardPlan, count: Int) {
        let sizes = plan.shards.map { $0.reduce(0) { $0 + $1.byteCount } }
        let order = sizes.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        var parts = [[Int]](repeating: [], count: max(1, count))
        var loads = [Int](repeating: 0, count: parts.count)
        for shard in order {
            let part = loads.indices.min { loads[$0] != loads[$1] ? loads[$0] < loads[$1] : $0 < $1 }!
            parts[part].append(shard)
            loads[part] += sizes[shard]
        }
        self.parts = parts.map { $0.sorted() }
    }
}
