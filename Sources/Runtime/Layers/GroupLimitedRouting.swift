import Foundation

/// DeepSeek-V3's router (also GLM-4-MoE's): each expert's score is the sigmoid of its router
/// logit; the choice adds a per-expert score-correction bias to the scores, keeps only the
/// `groupsPerToken` groups (of `groups` equal runs of experts) whose two best biased scores sum
/// highest, and takes the `k` best biased scores among them. The chosen experts are weighed by
/// their unbiased scores, rescaled to sum to 1 when `normalize` is set, times `scale`
/// (`routed_scaling_factor`).
struct GroupLimitedRouting: Sendable {
    let groups: Int
    let groupsPerToken: Int
    let scale: Float
    let normalize: Bool
    /// `e_score_correction_bias`, one per expert.
    let scoreCorrectionBias: [Float]

    /// The `k` experts chosen from one token's `count` router logits, best first (the lower index
    /// wins a tie), with their weights.
    func route(_ logits: UnsafePointer<Float>, count: Int, k: Int) -> [(expert: Int, weight: Float)] {
        let scores = (0..<count).map { 1 / (1 + Foundation.exp(-logits[$0])) }
        var choice = (0..<count).map { scores[$0] + scoreCorrectionBias[$0] }
        let size = count / groups
        let groupScores = (0..<groups).map { g in
            choice[g * size..<(g + 1) * size].sorted(by: >).prefix(2).reduce(0, +)
        }
        let kept = Set(Self.best(groupScores, count: groupsPerToken))
        for g in 0..<groups where !kept.contains(g) {
            for e in g * size..<(g + 1) * size { choice[e] = -.infinity }
        }
        var chosen = Self.best(choice, count: k).map { (expert: $0, weight: scores[$0]) }
        if normalize {
            let sum = chosen.reduce(0) { $0 + $1.weight } + 1e-20
            for i in chosen.indices { chosen[i].weight /= sum }
        }
        for i in chosen.indices { chosen[i].weight *= scale }
        return chosen
    }

    /// The indices of the `count` largest `values`, largest first (the lower index wins a tie).
    private static func best(_ values: [Float], count: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(count))
    }
}
