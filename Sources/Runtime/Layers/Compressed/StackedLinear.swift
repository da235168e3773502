/// Layers that read the same input, run one after another with their outputs side by side in
/// each row (`[q | k | v]`, `[gate | up]`): how compressed projections take the place of the
/// stacked dense weight the runtime uses for fused execution.
struct StackedLinear: Linear {
    let parts: [any Linear]
    let inputFeatures: Int
    let outputFeatures: Int

    /// - Precondition: every part has the same `inputFeatures`.
    init(_ parts: [any Linear]) {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.inputFeatures == parts[0].inputFeatures }, "StackedLinear: parts differ in input width")
        self.parts = parts
        inputFeatures = parts[0].inputFeatures
        outputFeatures = parts.reduce(0) { $0 + $1.outputFeatures }
    }

    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        if parts.count == 1 { return parts[0].apply(input, rows: rows, into: output) }
        let widest = parts.map(\.outputFeatures).max()!
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * widest)
        defer { scratch.deallocate() }
        var column = 0
        for part in parts {
            let width = part.outputFeatures
            part.apply(input, rows: rows, into: scratch)
            for r in 0..<rows {
                (output + r * outputFeatures + column).update(from: scratch + r * width, count: width)
            }
            column += width
        }
    }
}
