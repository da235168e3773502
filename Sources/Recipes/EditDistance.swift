/// Edit distance and "did you mean" suggestions for misspelt keys, modifiers and presets.
package enum EditDistance {
    /// The number of single-character insertions, deletions, substitutions and transpositions of
    /// adjacent characters that turn `a` into `b` (optimal string alignment distance).
    /// - Complexity: O(a.count × b.count) time and memory.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    /// The candidate nearest to `word`, compared case-insensitively, when it is close enough to be
    /// a plausible typo: within a third of the word's length (at least 1, at most 4 edits).
    /// Ties go to the candidate listed first.
    package static func suggestion(for word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let limit = max(1, min(4, (word.count + 2) / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let d = distance(lowered, candidate.lowercased())
            if d <= limit, best == nil || d < best!.distance { best = (candidate, d) }
        }
        return best?.name
    }
}
