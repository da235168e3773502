import CKernels

/// The scales of a quantized weight `[rows, columns]`, one per block of `blockRows × blockColumns`
/// elements: a per-tensor scale is one block of the whole matrix, a per-channel scale a block of
/// one row, a group scale `1 × groupSize`, a DeepSeek-style block scale `128 × 128`.
struct ScaleGrid: Sendable {
    /// `ceil(rows / blockRows) × ceil(columns / blockColumns)` values, row-major, already in f32
    /// (FP8 and E8M0 scales decoded, NVFP4's global scale divided out).
    let values: [Float]
    let blockRows: Int
    let blockColumns: Int
    /// `ceil(columns / blockColumns)`: scales per scale row.
    let width: Int

    /// Scales of `shape` (as stored: `[1]`, `[rows]`, `[rows, 1]`, `[rows, groups]` or
    /// `[ceil(rows/b), ceil(columns/b)]`) for a `rows × columns` weight. `block`, the
    /// `[rows, columns]` block size the config declares (`block_structure`, or `[1, group_size]`),
    /// is needed only where the shape alone is ambiguous; without it a scale row per weight row is
    /// assumed unless there are fewer.
    ///
    /// - Throws: ``RuntimeError/tensorShape(tensor:expected:actual:)`` when the shape does not
    ///   tile the weight.
    init(values: [Float], shape: [Int], name: String, rows: Int, columns: Int, block: [Int]?) throws(RuntimeError) {
        let scaleRows = shape.count == 2 ? shape[0] : (values.count == 1 ? 1 : values.count)
        let scaleColumns = shape.count == 2 ? shape[1] : 1
        let blockRows = block?[0] ?? (scaleRows == rows ? 1 : (rows + scaleRows - 1) / max(scaleRows, 1))
        let blockColumns = block?[1] ?? (columns + scaleColumns - 1) / max(scaleColumns, 1)
        let expected = [(rows + blockRows - 1) / blockRows, (columns + blockColumns - 1) / blockColumns]
        guard blockRows > 0, blockColumns > 0, expected == [scaleRows, scaleColumns], values.count == scaleRows * scaleColumns else {
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
    func withUnsafeValues<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let values = self else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension ScaleGrid {
    /// Calls `body` with these scales (and `zeroPoints`, laid out as the scales) as the kernels
    /// read them.
    func withKernelScales<R>(zeroPoints: [Float]?, _ body: (UnsafePointer<ck_scales>) -> R) -> R {
        values.withUnsafeBufferPointer { values in
            zeroPoints.withUnsafeValues { zeroPoints in
                var scales = ck_scales(values: values.baseAddress, zero_points: zeroPoints, block_rows: blockRows,
                                       group: blockColumns, stride: width)
                return body(&scales)
            }
        }
    }

    /// Whether `takes` (a kernel's ck_*_takes) accepts these scales for rows of `columns`.
    func taken(by takes: (UnsafePointer<ck_scales>?, Int) -> Int32, columns: Int, zeroPoints: [Float]?) -> Bool {
        withKernelScales(zeroPoints: zeroPoints) { takes($0, columns) != 0 }
    }
}
