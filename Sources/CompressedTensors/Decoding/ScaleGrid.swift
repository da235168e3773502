/// The scales of a quantized weight `[rows, columns]`, one per block of `blockRows × blockColumns`
/// elements: a per-tensor scale is one block of the whole matrix, a per-channel scale a block of
/// one row, a group scale `1 × groupSize`, a DeepSeek-style block scale `128 × 128`.
public struct ScaleGrid: Sendable {
    /// `ceil(rows / blockRows) × ceil(columns / blockColumns)` values, row-major, already in f32
    /// (FP8 and E8M0 scales decoded, NVFP4's global scale divided out).
    public let values: [Float]
    /// Weight rows under one scale.
    public let blockRows: Int
    /// Weight columns under one scale (the group size).
    public let blockColumns: Int
    /// `ceil(columns / blockColumns)`: scales per scale row, at least 1.
    public let width: Int

    /// Scales of `shape` (as stored: `[1]`, `[rows]`, `[rows, 1]`, `[rows, groups]` or
    /// `[ceil(rows/b), ceil(columns/b)]`) for a `rows × columns` weight. `block`, the
    /// `[rows, columns]` block size the config declares (`block_structure`, or `[1, group_size]`),
    /// is needed only where the shape alone is ambiguous; without it a scale row per weight row is
    /// assumed unless there are fewer.
    ///
    /// - Throws: `invalidScaleBlock` for an empty weight or block, `tensorShape` when the shape
    ///   does not tile the weight.
    init(values: [Float], shape: [Int], name: String, rows: Int, columns: Int, block: [Int]?) throws(CompressedTensorsError) {
        guard rows > 0, columns > 0 else { throw .invalidScaleBlock("'\(name)' scales an empty \(rows)×\(columns) weight") }
        let scaleRows = shape.count == 2 ? shape[0] : (values.count == 1 ? 1 : values.count)
        let scaleColumns = shape.count == 2 ? shape[1] : 1
        let blockRows = block?[0] ?? (scaleRows == rows ? 1 : (rows + scaleRows - 1) / max(scaleRows, 1))
        let blockColumns = block?[1] ?? (columns + scaleColumns - 1) / max(scaleColumns, 1)
        guard blockRows > 0, blockColumns > 0 else {
            throw .invalidScaleBlock("'\(name)': scale blocks of \(blockRows)×\(blockColumns) elements cannot tile a \(rows)×\(columns) weight")
        }
        let expected = [(rows - 1) / blockRows + 1, (columns - 1) / blockColumns + 1]
        guard expected == [scaleRows, scaleColumns], values.count == scaleRows * scaleColumns else {
            throw .tensorShape(tensor: name, expected: expected, actual: shape)
        }
        self.values = values
        self.blockRows = blockRows
        self.blockColumns = blockColumns
        width = scaleColumns
    }

    /// Multiplies row `row` of a weight, decoded to unscaled values at `values`, by its scales
    /// (after subtracting `zeroPoints`, laid out as the scales, when given).
    @inline(__always)
    func apply(row: Int, columns: Int, to values: UnsafeMutablePointer<Float>, zeroPoints: UnsafePointer<Float>?) {
        self.values.withUnsafeBufferPointer { scales in
            let base = (row / blockRows) * width
            var start = 0
            var g = 0
            while start < columns {
                let end = min(columns, start + blockColumns)
                let s = scales[base + g]
                if let zeroPoints {
                    let z = zeroPoints[base + g]
                    for c in start..<end { values[c] = (values[c] - z) * s }
                } else {
                    for c in start..<end { values[c] *= s }
                }
                start = end
                g += 1
            }
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the values (zero points), or with nil when there are none.
    public func withUnsafeValues<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let values = self else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
