import CKernels

extension CPUKernels {
    /// The `columns × rows` transpose, row-major, of the `rows × columns` matrix at `source` (rows
    /// `stride` apart): how a matrix is handed to the f32 kernel, which multiplies by rows.
    public static func transposed(_ source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { t, initialized in
            transpose(source, rows: rows, columns: columns, stride: stride, into: t.baseAddress!)
            initialized = rows * columns
        }
    }

    /// ``transposed(_:rows:columns:stride:)`` into `destination` (room for `rows × columns` values)
    /// (`ck_transpose_f32`: blocks of 4 × 4 through vector registers).
    public static func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int,
                                 into destination: UnsafeMutablePointer<Float>) {
        ck_transpose_f32(source, rows, columns, stride, destination)
    }
}
