/// The statistic each fused group's members share (NVFP4's global scale comes from it), computed
/// once per group when its first member is written and reused for the others, and the ranges an
/// observer searched for each member on the way, handed to that member once.
struct FusedGroupStatistics {
    private let plan: OneshotPlan
    private var groupOf: [Int: Int] = [:]
    private var values: [Int: Float] = [:]
    /// `searchedGroupMaxima` of members not yet written, by entry index.
    private var searched: [Int: [Float]] = [:]

    init(plan: OneshotPlan) {
        self.plan = plan
        for (g, members) in plan.fusedGroups.enumerated() { for i in members { groupOf[i] = g } }
    }

    /// The context to quantize entry `i` with: the importance of its input channels (for an
    /// imatrix observer, `importance(entry)`), and its fused group's statistic, of the weights as
    /// `replacements` leave them, when it is quantized and belongs to a group.
    mutating func context(for i: Int, replacements: [String: [Float]] = [:], threads: Int, allowNonFinite: Bool,
                          importance: (Int) -> [Float]? = { _ in nil }) throws(ModifierError) -> QuantizationContext {
        var context = QuantizationContext(allowNonFinite: allowNonFinite, importance: importance(i))
        guard case .quantize = plan.quantization.entries[i].action, let g = groupOf[i] else { return context }
        if values[g] == nil {
            let statistic = try plan.fusedAbsmax(plan.fusedGroups[g], replacements: replacements, threads: threads,
                                                 allowNonFinite: allowNonFinite, importance: importance)
            values[g] = statistic.absmax
            searched.merge(statistic.searched) { _, new in new }
        }
        context.groupAbsmax = values[g]
        context.searchedGroupMaxima = searched.removeValue(forKey: i)
        return context
    }
}
