import Architectures

/// The entries of a plan grouped by decoder block (`model.layers.N.`), which calibration
/// processes one block at a time, and the entries outside every block.
struct BlockLayout {
    /// Entry indices outside the blocks (embedding, final norm, head), in plan order, but for
    /// `head`'s.
    let outside: [Int]
    /// Entry indices of each block, in plan order.
    let blocks: [[Int]]
    /// Entry indices of the output head when it calibrates (static input scales, imatrix
    /// importance, GPTQ), which needs the last block's outputs: written after the blocks.
    let head: [Int]

    /// `calibratesHead` tells whether the output head's entries calibrate on the last block's outputs.
    init(entries: [QuantizationPlan.Entry], blockCount: Int, layout: DecoderLayout, calibratesHead: Bool = false) {
        var outside: [Int] = []
        var blocks = Array(repeating: [Int](), count: blockCount)
        var head: [Int] = []
        for (i, entry) in entries.enumerated() {
            if let b = layout.block(of: entry.module), b < blockCount {
                blocks[b].append(i)
            } else if calibratesHead && entry.module == layout.head {
                head.append(i)
            } else {
                outside.append(i)
            }
        }
        self.outside = outside
        self.blocks = blocks
        self.head = head
    }

    /// Entry indices in the order calibration writes them: outside entries, block by block, then the head's.
    var writeOrder: [Int] { outside + blocks.flatMap { $0 } + head }
}
