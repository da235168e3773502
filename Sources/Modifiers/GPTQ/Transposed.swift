/// The `columns × rows` transpose, row-major, of the `rows × columns` matrix at `source` (rows
/// `stride` apart): how GPTQ hands a matrix to the runtime's f32 kernel, which multiplies by rows.
func transposed(_ source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: rows * columns) { t, initialized in
        transpose(source, rows: rows, columns: columns, stride: stride, into: t.baseAddress!)
        initialized = rows * columns
    }
}

/// ``transposed(_:rows:columns:stride:)`` into `destination` (room for `rows × columns` values).
func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, into destination: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        for c in 0..<columns { destination[c * rows + r] = source[r * stride + c] }
    }
}
