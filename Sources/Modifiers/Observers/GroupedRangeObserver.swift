/// The range of an activation quantized in dynamic groups with a static global scale (NVFP4's
/// inputs: `dynamic: local`, `tensor_group`), as llm-compressor 0.14 keeps it for the
/// `input_global_scale`: its observer sees each sample as one range per group of `group_size`
/// channels (`flatten_for_calibration`), keeps each group's range by its rule (`RangeObserver`),
/// and takes the global scale from the largest magnitude among the groups.
struct GroupedRangeObserver: Sendable {
    /// The observer each group starts as.
    let template: RangeObserver
    let groupSize: Int
    private var groups: [RangeObserver] = []

    init(template: RangeObserver, groupSize: Int) {
        self.template = template
        self.groupSize = Swift.max(groupSize, 1)
    }

    /// Takes one sample: `rows` rows of `width` channels, `stride` apart.
    mutating func observe(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
        let count = (width + groupSize - 1) / groupSize
        if groups.count != count { groups = Array(repeating: template, count: count) }
        for g in 0..<count {
            let start = g * groupSize
            let (lo, hi) = TensorRange.of(values + start, rows: rows, width: Swift.min(groupSize, width - start), stride: stride)
            groups[g].observe(min: lo, max: hi)
        }
    }

    /// Each group's observations (`RangeObserver.observations`).
    var observations: [[Float]] { groups.map(\.observations) }

    /// The groups' observers run afresh on each part's `observations` in order (a part with no
    /// sample has no groups).
    func replaying(_ parts: [[[Float]]]) -> GroupedRangeObserver {
        var observer = self
        let count = parts.map(\.count).max() ?? 0
        observer.groups = (0..<count).map { g in template.replaying(parts.compactMap { g < $0.count ? $0[g] : nil }) }
        return observer
    }

    /// Whether any sample was observed.
    var hasObservations: Bool { groups.first?.hasObservations ?? false }

    /// The largest magnitude over the groups' ranges, zero included.
    var largestMagnitude: Float { groups.reduce(0) { Swift.max($0, $1.largestMagnitude) } }
}
