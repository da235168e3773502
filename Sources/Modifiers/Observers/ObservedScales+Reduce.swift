extension ObservedScales {
    /// Makes every observer hold what one process observing all samples would: each rank's
    /// per-sample observations are gathered to every rank and replayed in rank order, which is
    /// calibration order (``SampleSplit``), so that every observer rule (moving averages too)
    /// gives the same scale as in one process.
    func reduce(over reducer: any StatisticsReducer) throws(ModifierError) {
        guard reducer.size > 1 else { return }
        let names = observedNames
        var payload = StatisticsPayload()
        for name in names {
            for observations in observationLists(of: name) {
                payload.append(observations.count)
                for list in observations { payload.append(list) }
            }
        }
        var parts = try reducer.allGather(payload)
        for name in names {
            var perRank: [[[[Float]]]] = []  // [rank][observer][group] observations
            for r in parts.indices {
                var lists: [[[Float]]] = []
                for _ in observationLists(of: name) {
                    let count = try parts[r].int()
                    var groups: [[Float]] = []
                    for _ in 0..<Swift.max(count, 0) { groups.append(try parts[r].floats()) }
                    lists.append(groups)
                }
                perRank.append(lists)
            }
            replay(name, perRank)
        }
    }
}
