/// Which rank solves each GPTQ layer of a block: layers taken by decreasing cost (their Hessian's
/// size, `columns²`; ties in block order), each to the rank with the least cost so far (ties to
/// the lowest rank), so that the ranks' solving time is balanced and every rank computes the
/// same owners.
enum SolverOwners {
    /// The owner rank of each layer of costs `costs`, among `ranks` ranks.
    static func assign(costs: [Int], ranks: Int) -> [Int] {
        var load = [Int](repeating: 0, count: ranks)
        var owners = [Int](repeating: 0, count: costs.count)
        let order = costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        for i in order {
            let owner = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 } ?? 0
            owners[i] = owner
            load[owner] += costs[i]
        }
        return owners
    }
}
