import Architectures

/// The entries of a plan grouped by decoder block (`model.layers.N.`), which calibration
/// processes one block at a time, and the entries outside every block.
struct BlockLayout {
    /// Entry indices outside the blocks (embedding, final norm, head), in plan order.
    let outside: [Int]
    /// Entry indices of each block, in plan order.
    let blocks: [[Int]]

    init(entries: [QuantizationPlan.Entry], blockCount: Int, layout: DecoderLayout) {
        var outside: [Int] = []
        var blocks = Array(repeating: [Int](), count: blockCount)
        for (i, entry) in entries.enumerated() {
            if let b = layout.block(of: entry.module), b < blockCount { blocks[b].append(i) } else { outside.append(i) }
        }
        self.outside = outside
        self.blocks = blocks
    }

    /// Entry indices in the order calibration writes them: outside entries, then block by block.
    var writeOrder: [Int] { outside + blocks.flatMap { $0 } }
}
