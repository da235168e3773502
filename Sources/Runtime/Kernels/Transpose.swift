extension CPUKernels {
    /// The `columns × rows` transpose, row-major, of the `rows × columns` matrix at `source` (rows
    /// `stride` apart): how a matrix is handed to the f32 kernel, which multiplies by rows.
    public static func transposed(_ source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { t, initialized in
            transpose(source, rows: rows, columns: columns, stride: stride, into: t.baseAddress!)
            initialized = rows * columns
        }
    }

    /// ``transposed(_:rows:columns:stride:)`` into `destination` (room for `rows × columns` values),
    /// in tiles of 16 × 16, so that the writes a whole column apart stay within a few cache lines.
    public static func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int,
                                 into destination: UnsafeMutablePointer<Float>) {
        let tile = 16
        for r0 in Swift.stride(from: 0, to: rows, by: tile) {
            let r1 = Swift.min(rows, r0 + tile)
            for c0 in Swift.stride(from: 0, to: columns, by: tile) {
                for r in r0..<r1 {
                    for c in c0..<Swift.min(columns, c0 + tile) { destination[c * rows + r] = source[r * stride + c] }
                }
            }
        }
    }
}
